"""Bad input, one row each: a clear answer in the sender's language (or deliberate silence),
nothing stored wrongly, no exception escaping.

Every row runs against a fresh workshop in the phase it needs; the state (touchpoints,
phase and deadline, plan, rounds, pending jobs) is compared before and after, and only a row
that names the one touchpoint it may add is allowed to change it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import pytest
from aiogram.enums import MessageOriginType
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import (
    Chat,
    Message,
    MessageOriginUser,
    PhotoSize,
    Poll,
    PollOption,
    Sticker,
    Update,
    User,
)

from bot.views.callbacks import BoardAction, BoardOp, RateAction, RateOp
from tests.harness import Harness, make_user, message, message_update, private_chat
from tests.test_rating import Team
from tests.test_results import closed_round

CHANNEL = Chat(id=-1009999, type="channel", title="News")


@dataclass
class World:
    h: Harness
    team: Team
    dina: User  # a member who speaks Russian

    @property
    def chat(self) -> Chat:
        return self.team.chat

    async def say(self, user: User, text: str) -> None:
        await self.h.say(user, self.chat, text)

    async def feed(self, **fields: Any) -> None:
        """A group message with the given fields (no text unless given)."""
        msg = Message(message_id=70_000 + len(self.h.updates), date=datetime.now(UTC), **fields)
        await self.h.feed(message_update(msg.as_(self.h.bot)))

    async def board(self) -> Message:
        ws = await self.h.ctx.store.workshops.latest(self.chat.id)
        assert ws is not None and ws.board_message_id is not None
        return Message(message_id=ws.board_message_id, date=datetime.now(UTC), chat=self.chat)


Send = Callable[[World], Awaitable[object]]


@dataclass(frozen=True)
class Row:
    name: str
    phase: str  # "brainstorm", "review" or "results"
    send: Send
    answer: str | None  # a piece of the reply; None: deliberate silence
    adds: str | None = None  # the one touchpoint this row may add, as stored


async def closed_round_tap(w: World) -> None:
    ws = await w.h.ctx.store.workshops.latest(w.chat.id)
    assert ws is not None
    (rnd,) = await w.h.ctx.store.rounds.for_workshop(ws.id)
    wizard = Message(message_id=1, date=datetime.now(UTC), chat=private_chat(w.team.bob))
    await w.h.click(w.team.bob, wizard, RateAction(op=RateOp.VALUE, r=rnd.id, s=0, v=5).pack())


async def outsider_deep_link(w: World) -> None:
    ws = await w.h.ctx.store.workshops.latest(w.chat.id)
    assert ws is not None
    (rnd,) = await w.h.ctx.store.rounds.for_workshop(ws.id)
    eve = make_user("Eve")
    await w.h.say(eve, private_chat(eve), f"/start r_{rnd.token}")


async def board_press(w: World, user: User, data: str) -> None:
    await w.h.click(user, await w.board(), data)


async def finish_button_by_member(w: World) -> None:
    ws = await w.h.ctx.store.workshops.latest(w.chat.id)
    assert ws is not None
    await board_press(w, w.team.bob, BoardAction(op=BoardOp.FINISH, ws=ws.id).pack())


def edited(w: World) -> Awaitable[None]:
    msg = message(w.team.bob, w.chat, "/idea Edited afterwards").as_(w.h.bot)
    return w.h.feed(Update(update_id=88_001, edited_message=msg))


STICKER = Sticker(
    file_id="s", file_unique_id="s", type="regular", width=1, height=1, is_animated=False,
    is_video=False,
)  # fmt: skip
POLL = Poll(
    id="p", question="Lunch?", options=[PollOption(persistent_id="1", text="Yes", voter_count=0)],
    total_voter_count=0, is_closed=False, is_anonymous=True, type="regular",
    allows_multiple_answers=False, allows_revoting=False, members_only=False,
)  # fmt: skip
USAGE = "Write the touchpoints after the command"
BAD_DURATION = "I could not read that duration"
STALE = "This button is no longer valid."
BAD_LINK = "This link is not valid or has expired"

ROWS = [
    Row("empty idea", "brainstorm", lambda w: w.say(w.team.bob, "/idea"), USAGE),
    Row("whitespace idea", "brainstorm", lambda w: w.say(w.team.bob, "/idea    \n   "), USAGE),
    Row(
        "empty idea, in Russian",
        "brainstorm",
        lambda w: w.say(w.dina, "/idea"),
        "Напишите точки контакта после команды",
    ),
    Row(
        "10,000 characters",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea " + "x" * 10_000),
        "is too long: 200 characters at most",
    ),
    Row(
        "control and zero-width characters are dropped",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea Web\x00si\x07te\u200b form"),
        None,
        adds="Website form",
    ),
    Row(
        "a right-to-left override is dropped, the text kept",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea \u202eموقع الشركة"),
        None,
        adds="موقع الشركة",
    ),
    Row(
        "emoji only",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea 🎉🎉🎉"),
        "has no words: name the place where customers meet you",
    ),
    Row(
        "HTML look-alike is kept literally",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea <b>Phone</b> & <i>co</i>"),
        None,
        adds="<b>Phone</b> & <i>co</i>",
    ),
    Row(
        "Markdown look-alike is kept literally",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea *Delivery* _today_"),
        None,
        adds="*Delivery* _today_",
    ),
    Row(
        "duration 0",
        "brainstorm",
        lambda w: w.say(w.team.alice, "/extend 0"),
        "That is too short: the shortest is 10 seconds",
    ),
    Row("duration -5", "brainstorm", lambda w: w.say(w.team.alice, "/extend -5"), BAD_DURATION),
    Row(
        "duration 999d",
        "brainstorm",
        lambda w: w.say(w.team.alice, "/extend 999d"),
        "That is too long: the longest is 7 days",
    ),
    Row("duration abc", "brainstorm", lambda w: w.say(w.team.alice, "/extend abc"), BAD_DURATION),
    Row(
        "a member may not extend, told in Russian",
        "brainstorm",
        lambda w: w.say(w.dina, "/extend 5m"),
        "Это может сделать только ведущий или администратор чата.",
    ),
    Row(
        "a command addressed to another bot",
        "brainstorm",
        lambda w: w.say(w.team.bob, "/idea@otherbot Phone"),
        None,
    ),
    Row("an edited message", "brainstorm", edited, None),
    Row(
        "a channel posting into the group",
        "brainstorm",
        lambda w: w.feed(chat=w.chat, sender_chat=CHANNEL, text="/idea From the channel"),
        None,
    ),
    Row(
        "a forwarded message",
        "brainstorm",
        lambda w: w.feed(
            chat=w.chat,
            from_user=w.team.bob,
            text="/idea Forwarded",
            forward_origin=MessageOriginUser(
                type=MessageOriginType.USER, date=datetime.now(UTC), sender_user=w.team.carol
            ),
        ),
        None,
    ),
    Row(
        "a sticker",
        "brainstorm",
        lambda w: w.feed(chat=w.chat, from_user=w.team.bob, sticker=STICKER),
        None,
    ),
    Row(
        "a photo with a caption",
        "brainstorm",
        lambda w: w.feed(
            chat=w.chat,
            from_user=w.team.bob,
            photo=[PhotoSize(file_id="p", file_unique_id="p", width=1, height=1)],
            caption="Photo of the shop",
        ),
        None,
    ),
    Row(
        "a poll",
        "brainstorm",
        lambda w: w.feed(chat=w.chat, from_user=w.team.bob, poll=POLL),
        None,
    ),
    Row(
        "forged callback data",
        "brainstorm",
        lambda w: board_press(w, w.team.bob, "rt:zz:1:2:3"),
        STALE,
    ),
    Row(
        "callback data too long",
        "brainstorm",
        lambda w: board_press(w, w.team.bob, "x" * 300),
        STALE,
    ),
    Row(
        "a member presses the facilitator's button",
        "brainstorm",
        finish_button_by_member,
        "Only the facilitator or a chat admin can do that.",
    ),
    Row(
        "a garbage deep link",
        "brainstorm",
        lambda w: w.h.say(w.team.bob, private_chat(w.team.bob), "/start r_garbage!!"),
        BAD_LINK,
    ),
    Row(
        "a group command in private",
        "brainstorm",
        lambda w: w.h.say(w.team.bob, private_chat(w.team.bob), "/finish"),
        "This command works in your team's group chat",
    ),
    Row(
        "/merge with an unknown number",
        "review",
        lambda w: w.say(w.team.alice, "/merge 1 99"),
        "There is no touchpoint number 99. See /list.",
    ),
    Row(
        "/merge of a touchpoint into itself",
        "review",
        lambda w: w.say(w.team.alice, "/merge 1 1"),
        "Usage: /merge N M (two different numbers from /list).",
    ),
    Row(
        "/drop with an unknown number",
        "review",
        lambda w: w.say(w.team.alice, "/drop 99"),
        "There is no touchpoint number 99. See /list.",
    ),
    Row(
        "a due date in the past",
        "results",
        lambda w: w.say(w.team.alice, "/due 2 01.01.2020"),
        "That date is in the past.",
    ),
    Row(
        "an impossible date",
        "results",
        lambda w: w.say(w.team.alice, "/due 2 31.02"),
        "I could not read that date.",
    ),
    Row(
        "a due date for an unknown item",
        "results",
        lambda w: w.say(w.team.alice, "/due 99 2w"),
        "There is no plan item 99.",
    ),
    Row(
        "a schedule at 25:00",
        "results",
        lambda w: w.say(w.team.alice, "/schedule monthly 25:00"),
        "I could not read that schedule.",
    ),
    Row(
        "a button from a round closed before",
        "results",
        closed_round_tap,
        "This round is closed; your answers were counted.",
    ),
    Row(
        "a rating link used by someone outside the group",
        "results",
        outsider_deep_link,
        "this rating is for members of the group that runs it",
    ),
]


async def world_in(harness: Harness, phase: str) -> World:
    if phase == "results":
        team = await closed_round(harness)
    else:
        team = Team(harness)
        await harness.say(team.alice, team.chat, "/brainstorm 10m")
        await harness.say(team.bob, team.chat, "/idea Website chat\nPhone line")
        if phase == "review":
            await harness.say(team.alice, team.chat, "/finish")
    dina = make_user("Дина", "ru")
    harness.session.members[(team.chat.id, dina.id)] = "member"
    return World(harness, team, dina)


class Snapshot(NamedTuple):
    phase: object
    deadline: object
    touchpoints: tuple[tuple[int, str, int], ...]
    plan: tuple[object, ...]
    rounds: tuple[object, ...]
    jobs: tuple[object, ...]


async def snapshot(w: World) -> Snapshot:
    store = w.h.ctx.store
    ws = await store.workshops.latest(w.chat.id)
    assert ws is not None
    touchpoints = [(t.number, t.text, t.votes) for t in await store.touchpoints.live(ws.id)]
    plan = [(i.number, i.owner_id, i.due_date, i.action) for i in await store.plans.current(ws.id)]
    rounds = [(r.id, r.status) for r in await store.rounds.for_workshop(ws.id)]
    jobs = sorted((j.key, j.run_at) for j in await store.jobs.pending())
    return Snapshot(
        ws.phase, ws.deadline, tuple(touchpoints), tuple(plan), tuple(rounds), tuple(jobs)
    )


def replies(h: Harness, since: int) -> list[str]:
    said: list[str] = []
    for method in h.session.requests[since:]:
        text = method.text if isinstance(method, SendMessage | AnswerCallbackQuery) else None
        if text:
            said.append(text)
    return said


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
async def test_bad_input(harness: Harness, row: Row) -> None:
    w = await world_in(harness, row.phase)
    before = await snapshot(w)
    since = len(harness.session.requests)
    await row.send(w)  # an exception escaping fails the row
    after = await snapshot(w)
    said = replies(harness, since)
    if row.answer is None:
        assert said == [], said
    else:
        assert len(said) == 1 and row.answer in said[0], said
    if row.adds is None:
        assert after == before
    else:
        added = [t for t in after.touchpoints if t not in before.touchpoints]
        assert [text for _n, text, _v in added] == [row.adds]
        assert after._replace(touchpoints=()) == before._replace(touchpoints=())
