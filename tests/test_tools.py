"""The test tools see mistakes: the in-process session refuses a Bot API method it does not
know (and the test fails even when the bot swallows the refusal), and the fake Bot API
records its 404 for an unknown method with its other errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aiohttp import ClientSession

from bot.services.review import ReviewService
from storage.models import Workshop
from tests.conftest import ROOT
from tests.fakeapi import BOT_TOKEN, FakeTelegram
from tests.harness import Harness, UnknownMethodError, group_chat, make_user

# What the bot calls, and so what the session answers; anything else is a mistake to see.
KNOWN = {
    "getMe",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "editMessageText",
    "editMessageReplyMarkup",
    "deleteMessage",
    "answerCallbackQuery",
    "setMessageReaction",
    "pinChatMessage",
    "unpinChatMessage",
    "getChatMember",
    "getChatMemberCount",
    "getChatAdministrators",
    "setMyCommands",
    "setWebhook",
}


async def test_the_session_answers_the_methods_the_bot_uses(harness: Harness) -> None:
    assert harness.session.known == KNOWN


async def test_the_session_refuses_a_method_it_does_not_know(harness: Harness) -> None:
    with pytest.raises(UnknownMethodError, match="the bot called getChat,"):
        await harness.bot.get_chat(-100123)
    assert harness.session.unknown == ["getChat"]
    harness.session.unknown.clear()  # seen here: the check after the test need not fail it


async def test_the_session_keeps_a_refusal_the_bot_swallows(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def asks_for_the_chat(self: ReviewService, ws: Workshop, *, final: bool = False) -> None:
        await self.ctx.bot.get_chat(ws.chat_id)

    alice, chat = make_user("Alice"), group_chat()
    harness.session.admins[chat.id] = {alice.id}
    await harness.say(alice, chat, "/brainstorm 10m")
    monkeypatch.setattr(ReviewService, "post_list", asks_for_the_chat)
    await harness.say(alice, chat, "/list")  # the error handler apologises; nothing escapes
    assert "Something went wrong" in harness.session.sent(chat.id)[-1].text
    assert harness.session.unknown == ["getChat"]
    harness.session.unknown.clear()


def test_a_test_fails_when_the_bot_swallows_an_unknown_method(tmp_path: Path) -> None:
    """The check after each test, seen from outside: a test whose bot calls an unknown method
    and swallows the refusal does not pass."""
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import config, harness, no_unknown_bot_api_calls  # noqa: F401\n"
    )
    (tmp_path / "test_swallowed.py").write_text(
        textwrap.dedent(
            """
            import contextlib

            async def test_swallowed(harness):
                with contextlib.suppress(Exception):
                    await harness.bot.get_chat(-100123)

            async def test_clean(harness):
                await harness.bot.get_me()
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "--rootdir",
            str(tmp_path),
            str(tmp_path),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    # The swallowing test's body passes; the check after it errors, so the run fails.
    assert "2 passed, 1 error" in out, out
    assert "ERROR at teardown of test_swallowed" in out and "of test_clean" not in out, out
    assert "does not know: ['getChat']" in out, out


async def test_the_fake_api_records_a_404_for_an_unknown_method(tg: FakeTelegram) -> None:
    url = f"http://127.0.0.1:{tg.port}/bot{BOT_TOKEN}/getChat"
    async with ClientSession() as http, http.post(url, json={"chat_id": 1}) as response:
        body = await response.json()
    assert response.status == 404 and body["error_code"] == 404
    assert tg.errors == [("getChat", 404, "Not Found: method not found")]
    tg.errors.clear()  # seen here: the fake's check after the test need not fail it
