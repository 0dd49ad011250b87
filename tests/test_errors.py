"""A handler that fails: logged with the update id, the user told in their language."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram.types import Message

from bot.services.review import ReviewService
from bot.views.callbacks import ReviewAction, ReviewOp
from tests.harness import Harness, group_chat, make_user


async def broken(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("disk on fire")


async def test_a_failing_command_is_logged_and_answered(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    boris, chat = make_user("Boris", "ru"), group_chat()
    harness.session.admins[chat.id] = {boris.id}
    await harness.say(boris, chat, "/brainstorm 10m")
    monkeypatch.setattr(ReviewService, "post_list", broken)
    with caplog.at_level(logging.ERROR, logger="touchwheel.errors"):
        await harness.say(boris, chat, "/list")
    (record,) = caplog.records
    assert f"update {harness.updates[-1].update_id} failed" in record.getMessage()
    assert "disk on fire" in record.getMessage() and record.exc_info is not None
    reply = harness.session.sent(chat.id)[-1].text
    assert reply.startswith("⚠️ У меня что-то пошло не так")
    # The bot carries on: the next command works.
    await harness.say(boris, chat, "/help")
    assert "/brainstorm" in harness.session.sent(chat.id)[-1].text


async def test_a_failing_button_gets_an_alert(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, chat = make_user("Alice"), group_chat()
    harness.session.admins[chat.id] = {alice.id}
    await harness.say(alice, chat, "/brainstorm 10m")
    await harness.say(alice, chat, "/idea Website")
    await harness.say(alice, chat, "/finish")
    ws = await harness.ctx.store.workshops.active(chat.id)
    assert ws is not None
    monkeypatch.setattr(ReviewService, "offer_shortlist", broken)
    button = Message(message_id=1, date=datetime.now(UTC), chat=chat, text="list")
    await harness.click(alice, button, ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id).pack())
    answer = harness.session.answers()[-1]
    assert answer.show_alert and "Something went wrong" in (answer.text or "")
