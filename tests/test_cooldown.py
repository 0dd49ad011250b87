"""/results, /export and /history once per chat and window: a member cannot make the bot spend
the group's message budget on them again and again."""

from __future__ import annotations

import pytest

from bot.core.cooldown import Cooldown, Wait
from bot.services.results import ResultsService
from tests.harness import Harness, group_chat, make_user
from tests.test_rating import Team
from tests.test_results import closed_round


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_ask_per_window_the_first_repeat_told_then_quiet() -> None:
    clock = Clock()
    cooldown = Cooldown(60, clock)
    assert cooldown.take("a") is None
    assert cooldown.take("b") is None  # keys are apart
    clock.now += 18
    assert cooldown.take("a") == Wait(42, first=True)
    assert cooldown.take("a") == Wait(42, first=False)
    clock.now += 42
    assert cooldown.take("a") is None  # the window is over
    cooldown.give_back("a")
    assert cooldown.take("a") is None  # given back: free again


def test_entries_expire_and_stay_bounded() -> None:
    clock = Clock()
    cooldown = Cooldown(60, clock, size=500)
    for key in range(10_000):
        clock.now += 1
        cooldown.take(key)
        assert len(cooldown) <= 60  # only the window's own keys are kept
    clock.now += 60
    cooldown.take("last")
    assert len(cooldown) == 1
    crowded = Cooldown(60, clock, size=3)
    for key in range(10):
        crowded.take(key)
    assert len(crowded) == 3


def test_zero_seconds_turns_it_off() -> None:
    cooldown = Cooldown(0, Clock())
    assert [cooldown.take("a") for _ in range(3)] == [None, None, None]
    assert len(cooldown) == 0


@pytest.fixture
async def team(harness: Harness) -> Team:
    return await closed_round(harness)


def clocked(team: Team) -> Clock:
    clock = Clock()
    service: ResultsService = team.h.dp["results"]
    service.cooldown.clock = clock
    return clock


@pytest.mark.parametrize("command", ["/results", "/export", "/history"])
async def test_a_repeat_within_the_window_is_answered_once(team: Team, command: str) -> None:
    clock = clocked(team)
    sent = team.h.session.sent
    before = len(sent(team.chat.id))
    await team.h.say(team.bob, team.chat, command)
    answer = len(sent(team.chat.id)) - before
    assert answer >= 2  # a picture and a text, or the files

    clock.now += 18
    await team.h.say(team.carol, team.chat, command)
    (told,) = sent(team.chat.id)[before + answer :]
    assert told.text == f"{command} was just sent here; please try again in 42 seconds."
    clock.now += 41
    await team.h.say(team.bob, team.chat, command)  # still inside: no message at all
    assert len(sent(team.chat.id)) == before + answer + 1

    clock.now += 1  # the window is over
    await team.h.say(team.bob, team.chat, command)
    assert len(sent(team.chat.id)) == before + 2 * answer + 1


async def test_each_command_has_its_own_window(team: Team) -> None:
    clocked(team)
    sent = team.h.session.sent
    await team.h.say(team.bob, team.chat, "/results")
    before = len(sent(team.chat.id))
    await team.h.say(team.bob, team.chat, "/history")
    await team.h.say(team.bob, team.chat, "/export")
    assert not any("was just sent" in m.text for m in sent(team.chat.id)[before:])
    assert len(sent(team.chat.id)) - before == 2 + 5


async def test_the_wait_is_told_in_the_users_language(team: Team) -> None:
    clock = clocked(team)
    boris = make_user("Boris", lang="ru")
    team.h.session.members[(team.chat.id, boris.id)] = "member"
    await team.h.say(boris, team.chat, "/export")
    clock.now += 18
    await team.h.say(boris, team.chat, "/export")
    told = team.h.session.sent(team.chat.id)[-1].text
    assert told == "Я только что отправил сюда /export; попробуйте ещё раз через 42 секунды."


async def test_nothing_to_send_starts_no_window(harness: Harness) -> None:
    chat, bob = group_chat(-100777), make_user("Bob")
    harness.session.members[(chat.id, bob.id)] = "member"
    for command in ("/results", "/export", "/history", "/results"):
        await harness.say(bob, chat, command)
    texts = [m.text for m in harness.session.sent(chat.id)]
    assert len(texts) == 4 and not any("was just sent" in t for t in texts)
