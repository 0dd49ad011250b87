"""Read once, write once: the database round trips of one idea and one rating tap.

Every call into aiosqlite (execute, fetch, commit, a whole batch run in its thread) is one
trip to the database's thread and back; they are counted at the connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import aiosqlite
import pytest

from bot.config import Config
from bot.views.callbacks import RateOp
from tests.harness import Harness, private_chat
from tests.test_rating import Team

MAX_TRIPS = 3


@pytest.fixture
def config(config: Config) -> Config:
    """The board is redrawn at most once an hour here: its refresh is debounced work of its
    own (one per interval for any number of ideas), not part of taking an idea."""
    workshop = config.workshop.model_copy(update={"board_edit_seconds": 3600})
    return config.model_copy(update={"workshop": workshop})


@pytest.fixture
def team(harness: Harness) -> Team:
    return Team(harness)


class Trips:
    def __init__(self) -> None:
        self.count = 0


@contextmanager
def counting_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trips]:
    """Count every call that crosses to aiosqlite's thread."""
    trips = Trips()
    real: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        trips.count += 1
        return await real(self, fn, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", counted)
        yield trips


async def test_one_idea_costs_at_most_three_round_trips(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = team.h
    await h.say(team.alice, team.chat, "/brainstorm 10m")
    await h.say(team.bob, team.chat, "/idea Website chat")  # the people and chat are known
    # Twenty more in one message (one person's messages are throttled to a few a minute).
    many = "\n".join(f"Idea number {n} about the thing {n * 7}" for n in range(20))
    await h.say(team.bob, team.chat, f"/idea {many}")
    with counting_trips(monkeypatch) as trips:
        await h.say(team.bob, team.chat, "/idea Phone line after six")
    assert trips.count <= MAX_TRIPS
    with counting_trips(monkeypatch) as trips:
        await h.say(team.carol, team.chat, "/idea phone line after 6")  # Carol's first: a +1
    assert trips.count <= MAX_TRIPS + 1  # Carol is new here: she and her membership are noted
    ws = await h.ctx.store.workshops.active(team.chat.id)
    assert ws is not None
    texts = [tp.text for tp in await h.ctx.store.touchpoints.live(ws.id)]
    assert texts.count("Phone line after six") == 1 and len(texts) == 23


async def test_one_rating_tap_costs_at_most_three_round_trips(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ws, rnd = await team.open_round()
    wizard = await team.open_wizard(team.bob, rnd)
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 0, 7)
    with counting_trips(monkeypatch) as trips:
        await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 1, 4)
    assert trips.count <= MAX_TRIPS
    answers = await team.h.ctx.store.rounds.answers(rnd.id, team.bob.id)
    assert sorted(answers.values(), key=str) == [4, 7]
    assert "Touchpoint 1 of 3" in team.last_edit(private_chat(team.bob))
