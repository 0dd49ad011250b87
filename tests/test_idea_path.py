"""The idea path under abuse (issue 27): lines per message, answers within Telegram's limit,
a per-person throttle, and the private idea box only for members of the group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message

from bot.config import Config
from bot.core.text import TELEGRAM_TEXT_LIMIT
from bot.services.throttle import Throttle
from storage.models import Workshop
from tests.harness import BOT_USER, Harness, group_chat, make_harness, make_user, private_chat


def with_workshop(config: Config, **keys: Any) -> Config:
    return config.model_copy(update={"workshop": config.workshop.model_copy(update=keys)})


@pytest.fixture
async def slow(config: Config, tmp_path: Path) -> AsyncIterator[Harness]:
    """Two idea messages a minute per person."""
    h = await make_harness(with_workshop(config, ideas_per_minute=2), str(tmp_path / "s.db"))
    yield h
    await h.dp.emit_shutdown(bot=h.bot, **h.dp.workflow_data)
    await h.ctx.scheduler.shutdown()
    await h.ctx.store.close()


class Group:
    def __init__(self, h: Harness, lang: str = "en") -> None:
        self.h = h
        self.alice = make_user("Alice")
        self.bob = make_user("Bob", lang)
        self.chat: Chat = group_chat()
        h.session.admins[self.chat.id] = {self.alice.id}
        h.session.members[(self.chat.id, self.bob.id)] = "member"

    async def brainstorm(self) -> Workshop:
        await self.h.say(self.alice, self.chat, "/brainstorm 10m Shop")
        ws = await self.h.ctx.store.workshops.active(self.chat.id)
        assert ws is not None
        return ws

    async def texts(self, ws: Workshop) -> list[str]:
        return [tp.text for tp in await self.h.ctx.store.touchpoints.live(ws.id)]

    def answers(self, chat_id: int) -> list[str]:
        return [m.text for m in self.h.session.sent(chat_id)]


# --- lines per message and the length of every answer ----------------------------------------


def lines(n: int, text: str = "") -> str:
    return "\n".join(text or f"Touchpoint number {i}" for i in range(n))


@pytest.mark.parametrize("lang", ["en", "ru", "nl"])
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("1,500 one-character lines", lines(1500, "x")),
        ("20 lines of 200 escaped characters", lines(20, "&" * 200)),
        ("1,365 lines of punctuation", lines(1365, "&&")),
        ("20 lines, all too long", lines(20, "y" * 201)),
    ],
)
async def test_every_answer_fits_in_one_telegram_message(
    harness: Harness, lang: str, name: str, text: str
) -> None:
    team = Group(harness, lang)
    await team.brainstorm()
    for where in (team.chat, private_chat(team.bob)):
        if where.type == "private":
            ws = await harness.ctx.store.workshops.active(team.chat.id)
            assert ws is not None
            await harness.say(team.bob, where, f"/start i_{ws.idea_token}")
        before = len(harness.session.sent(where.id))
        await harness.say(team.bob, where, f"/idea {text}")
        answers = team.answers(where.id)[before:]
        assert answers, name
        assert all(len(a) <= TELEGRAM_TEXT_LIMIT for a in answers), (name, map(len, answers))


async def test_only_the_first_lines_are_read_and_the_answer_says_so(harness: Harness) -> None:
    team = Group(harness)
    ws = await team.brainstorm()
    most = harness.ctx.config.workshop.max_idea_lines
    assert most == 30
    await harness.say(team.bob, team.chat, f"/idea {lines(40)}")
    # Exactly the first 30 lines are stored, and the answer says so.
    assert await team.texts(ws) == [f"Touchpoint number {i}" for i in range(30)]
    answer = team.answers(team.chat.id)[-1]
    assert "Only the first 30 lines of a message are read: 10 more lines were not added" in (
        answer
    )
    assert "30 lines are saved." in answer


async def test_a_refused_line_inside_the_cap_is_named_and_the_rest_saved(
    harness: Harness,
) -> None:
    team = Group(harness, "ru")
    ws = await team.brainstorm()
    await harness.say(team.bob, team.chat, "/idea Website chat\nx\nPhone line")
    assert await team.texts(ws) == ["Website chat", "Phone line"]
    answer = team.answers(team.chat.id)[-1]
    assert "слишком коротко" in answer and "2 строки сохранены." in answer
    assert "читаю только первые" not in answer


# --- the throttle ------------------------------------------------------------------------------


async def board_of(h: Harness, ws: Workshop, chat: Chat) -> Message:
    found = await h.ctx.store.workshops.get(ws.id)
    assert found is not None and found.board_message_id is not None
    return Message(
        message_id=found.board_message_id, date=datetime.now(UTC), chat=chat, from_user=BOT_USER
    )


@pytest.mark.parametrize("where", ["/idea in the group", "reply to the board", "idea box"])
async def test_a_flood_of_idea_messages_is_slowed_down_politely(slow: Harness, where: str) -> None:
    team = Group(slow, "ru")
    ws = await team.brainstorm()
    chat = team.chat
    reply_to: Message | None = None
    prefix = "/idea "
    if where == "reply to the board":
        reply_to = await board_of(slow, ws, chat)
        prefix = ""
    elif where == "idea box":
        chat = private_chat(team.bob)
        await slow.say(team.bob, chat, f"/start i_{ws.idea_token}")
        prefix = ""
    before = len(slow.session.sent(chat.id))
    for n in range(5):
        await slow.say(team.bob, chat, f"{prefix}Idea number {n}", reply_to=reply_to)
    assert await team.texts(ws) == ["Idea number 0", "Idea number 1"]
    answers = team.answers(chat.id)[before:]
    # One answer for the whole burst, in Bob's language, with the wait.
    assert answers == ["Спасибо! Это много за раз: пожалуйста, подождите 30 с и попробуйте снова."]


async def test_the_throttle_lets_others_through(slow: Harness) -> None:
    team = Group(slow)
    ws = await team.brainstorm()
    carol = make_user("Carol")
    for n in range(3):
        await slow.say(team.bob, team.chat, f"/idea Bob idea {n}")
    await slow.say(carol, team.chat, "/idea Carol idea")
    assert await team.texts(ws) == ["Bob idea 0", "Bob idea 1", "Carol idea"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("size", "people", "later", "remembered"),
    [
        (3, 10, 0.0, 3),  # at most `size` people
        (100, 10, 0.0, 11),
        (100, 10, 61.0, 1),  # a minute unseen: forgotten (the one just counted stays)
        (100, 10, 30.0, 11),
    ],
)
async def test_a_throttle_remembers_a_bounded_number_of_people(
    size: int, people: int, later: float, remembered: int
) -> None:
    clock = Clock()
    throttle = Throttle(2, size=size, clock=clock)
    for person in range(people):
        assert await throttle.take(person) is None
    clock.now += later
    await throttle.take(people + 1)
    assert len(throttle) == remembered


async def test_a_refusal_says_how_long_and_is_told_once() -> None:
    clock = Clock()
    throttle = Throttle(1, size=2, clock=clock)
    assert await throttle.take(1) is None
    slowed = await throttle.take(1)
    assert slowed is not None and slowed.seconds == 60 and not slowed.told
    again = await throttle.take(1)
    assert again is not None and again.told


def test_both_idea_throttles_are_bounded(harness: Harness) -> None:
    assert isinstance(harness.dp["ideas"].throttle, Throttle)
    assert isinstance(harness.dp["customers"].throttle, Throttle)


# --- the idea box is for members of the group --------------------------------------------------


@pytest.mark.parametrize("status", [None, "left", "kicked"])
async def test_the_idea_box_refuses_people_outside_the_group(
    harness: Harness, status: str | None
) -> None:
    team = Group(harness)
    ws = await team.brainstorm()
    eve = make_user("Eve", "nl")
    if status is not None:
        # Eve was in the group (the bot saw her there), then left or was removed.
        harness.session.members[(team.chat.id, eve.id)] = "member"
        await harness.say(eve, team.chat, "hello all")
        harness.session.members[(team.chat.id, eve.id)] = status
    await harness.say(eve, private_chat(eve), f"/start i_{ws.idea_token}")
    assert "ideeënbus is voor leden van de groep" in team.answers(eve.id)[-1]
    assert await harness.ctx.store.users.idea_box(eve.id) is None
    await harness.say(eve, private_chat(eve), "Rude courier")
    assert await team.texts(ws) == []
    assert not await harness.ctx.store.users.is_member(team.chat.id, eve.id)


async def test_who_leaves_after_opening_the_box_is_refused(harness: Harness) -> None:
    team = Group(harness)
    ws = await team.brainstorm()
    bob = private_chat(team.bob)
    await harness.say(team.bob, bob, f"/start i_{ws.idea_token}")
    await harness.say(team.bob, bob, "Rude courier")
    harness.session.members[(team.chat.id, team.bob.id)] = "left"
    await harness.say(team.bob, bob, "Slow website")
    assert await team.texts(ws) == ["Rude courier"]
    assert "for members of the group" in team.answers(team.bob.id)[-1]
    sent = [m for m in harness.session.of(SendMessage) if m.chat_id == team.bob.id]
    assert len(sent) == 2  # the box opened, then the refusal


async def test_a_user_of_the_group_opens_the_box(harness: Harness) -> None:
    team = Group(harness)
    ws = await team.brainstorm()
    await harness.say(team.bob, private_chat(team.bob), f"/start i_{ws.idea_token}")
    assert "private idea box" in team.answers(team.bob.id)[-1]
    await harness.say(team.bob, private_chat(team.bob), "Rude courier")
    assert await team.texts(ws) == ["Rude courier"]
