"""The longest results a group can have (30 spokes of about 100 characters, 20 rounds) reach it
in messages Telegram takes: each within 4,096 characters (captions 1,024), each valid HTML."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram.methods import SendMessage, SendPhoto

from bot.config import Config
from bot.core.text import TELEGRAM_TEXT_LIMIT
from bot.domain import CRITERIA, RoundStatus
from storage.models import Round
from tests.harness import Harness, make_harness
from tests.test_rating import Team
from tests.test_text import balanced

CAPTION_LIMIT = 1024
SPOKES = 30
ROUNDS = 20


def long_names(count: int) -> list[str]:
    """`count` touchpoints of about 100 characters, no two alike (so none is merged)."""
    pick = random.Random(27)
    letters = "bcdfghklmnprstvz"
    names = []
    for n in range(count):
        words = ["".join(pick.choice(letters) + "a" for _ in range(3)) for _ in range(13)]
        names.append(f"Touchpoint {n + 1}: " + " ".join(words))
    return names


@pytest.fixture
async def harness(config: Config, tmp_path: Path) -> AsyncIterator[Harness]:
    """The harness with wheels of up to 30 spokes."""
    workshop = config.workshop.model_copy(update={"max_touchpoints": SPOKES})
    h = await make_harness(config.model_copy(update={"workshop": workshop}), str(tmp_path / "db"))
    yield h
    await h.dp.emit_shutdown(bot=h.bot, **h.dp.workflow_data)
    await h.ctx.scheduler.shutdown()
    await h.ctx.store.close()


async def rate(team: Team, rnd: Round, raters: int) -> None:
    """Answers written straight to the store: 90 wizard taps per rater would take long."""
    store = team.h.ctx.store
    items = await store.rounds.items(rnd.id)
    for k, user in enumerate([team.alice, team.bob, team.carol][:raters]):
        await store.rounds.start_rater(rnd.id, user.id)
        for item in items:
            for c, criterion in enumerate(CRITERIA):
                value = 1 + (item.position * 7 + c * 3 + k + rnd.number) % 10
                await store.rounds.answer(rnd.id, item.touchpoint_id, user.id, criterion, value)


async def thirty_spokes(team: Team) -> Round:
    """A brainstorm of 30 long touchpoints and its first round, rated by three and closed."""
    await team.workshop_in_review("\n".join(long_names(SPOKES - 1)))  # Carol adds the 30th
    _, rnd = await team.open_round()
    assert len(await team.h.ctx.store.rounds.items(rnd.id)) == SPOKES
    await rate(team, rnd, raters=3)
    assert await team.rating.close(rnd.id, show_anyway=True)
    await team.h.settle()  # the results are published
    return rnd


def check_every_message(team: Team) -> list[str]:
    """Every text and caption the group got fits and is balanced; the texts."""
    texts = []
    for recorded in team.h.session.sent(team.chat.id):
        method = recorded.method
        if isinstance(method, SendPhoto):
            assert len(method.caption or "") <= CAPTION_LIMIT
            assert balanced(method.caption or "")
        elif isinstance(method, SendMessage):
            assert len(method.text) <= TELEGRAM_TEXT_LIMIT, len(method.text)
            assert balanced(method.text), method.text[-200:]
            texts.append(method.text)
    return texts


@pytest.fixture
async def team(harness: Harness) -> Team:
    return Team(harness)


async def test_thirty_long_spokes_rank_in_messages_telegram_takes(team: Team) -> None:
    await thirty_spokes(team)
    await team.h.say(team.bob, team.chat, "/results")
    texts = check_every_message(team)
    ranking = [t for t in texts if "Ranking" in t and "Touchpoint 29:" in t]
    assert len(ranking) == 2  # at closing, and on /results
    assert sum(len(t) for t in texts) > TELEGRAM_TEXT_LIMIT  # it did have to be split


async def test_history_of_twenty_rounds_comes_in_messages_telegram_takes(team: Team) -> None:
    first = await thirty_spokes(team)
    store = team.h.ctx.store
    items = await store.rounds.items(first.id)
    for n in range(2, ROUNDS + 1):
        deadline = datetime.now(UTC) + timedelta(hours=1)
        ids = [i.touchpoint_id for i in items]
        rnd = await store.rounds.open(first.workshop_id, f"round-{n}-token", deadline, ids)
        assert rnd is not None and rnd.number == n
        await rate(team, rnd, raters=1)
        assert await store.rounds.close(rnd.id, show_anyway=True)
    rounds = await store.rounds.for_workshop(first.workshop_id)
    assert [r.status for r in rounds] == [RoundStatus.CLOSED] * ROUNDS
    before = len(team.h.session.sent(team.chat.id))
    await team.h.say(team.bob, team.chat, "/history")
    texts = check_every_message(team)
    history = [r.text for r in team.h.session.sent(team.chat.id)[before:]]
    assert "Trend across 20 rounds" in history[0]
    table = "".join(history[1:])
    assert len(history) >= 3 and "#20" in table and "Roundness" in table
    assert all(t.startswith("<pre>") and t.endswith("</pre>") for t in history[1:])
    assert texts
