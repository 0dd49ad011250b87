"""SIGKILL at random points of a whole workshop, for several seeds.

Each seed picks four of the workshop's steps (three ideas, eighteen wizard taps, two plan
edits) and, for each, whether the bot is killed right after the step was acknowledged or
while its update is still in flight (sent, then killed at once: Telegram hands it over
again after the restart). Afterwards every acknowledged idea and answer is there exactly
once, the brainstorm's deadline and the results came once, the numbers are exact and
SQLite's integrity check is "ok".
"""

from __future__ import annotations

import random
import sqlite3
import statistics
from pathlib import Path

import pytest

from tests.conftest import BotProcess, RunBot
from tests.e2e.steps import open_wizard
from tests.fakeapi import FakeTelegram, FakeUser, Sent

# A whole workshop with four restarts: minutes on a busy machine.
pytestmark = pytest.mark.timeout(1200)
SEEDS = (3, 14, 15)
KILLS_PER_SEED = 4
IDEAS = ("Website chat", "Phone line", "Delivery")
# Each rater's nine taps: (simplicity, convenience, speed) for spokes 1, 2, 3.
TAPS = {
    "Alice": ("8", "7", "6", "3", "2", "1", "5", "5", "4"),
    "Bob": ("6", "5", "4", "5", "4", "3", "7", "6", "8"),
}
STEPS = len(IDEAS) + sum(len(t) for t in TAPS.values()) + 2


def database(db: Path) -> tuple[list[str], list[tuple[str, str, int]], str, list[str]]:
    """Touchpoints, ratings (rater, touchpoint, value), the integrity check, pending jobs."""
    with sqlite3.connect(db) as conn:
        ideas = [row[0] for row in conn.execute("SELECT text FROM touchpoints ORDER BY position")]
        ratings = conn.execute(
            "SELECT u.full_name, t.text, r.criterion, r.value FROM ratings r "
            "JOIN touchpoints t ON t.id = r.touchpoint_id JOIN users u ON u.id = r.rater_id "
            "ORDER BY u.full_name, t.position, r.criterion"
        ).fetchall()
        (verdict,) = conn.execute("PRAGMA integrity_check").fetchone()
        pending = [row[0] for row in conn.execute("SELECT key FROM jobs WHERE done_at IS NULL")]
    return ideas, [(n, t, v) for n, t, _c, v in ratings], verdict, pending


class Killer:
    """Kills the bot at the chosen steps, in the chosen way."""

    def __init__(self, bot: BotProcess, seed: int) -> None:
        rng = random.Random(seed)
        self.bot = bot
        self.plan = {
            step: rng.choice(("after the ack", "in flight"))
            for step in rng.sample(range(STEPS), KILLS_PER_SEED)
        }
        self.step = -1
        self.done: list[tuple[int, str]] = []

    def next(self) -> str | None:
        self.step += 1
        return self.plan.get(self.step)

    async def kill(self, mode: str) -> None:
        await self.bot.restart()
        self.done.append((self.step, mode))


@pytest.mark.parametrize("seed", SEEDS)
async def test_sigkill_at_random_points_loses_nothing(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path, seed: int
) -> None:
    bot = await run_bot(min_raters=2)
    killer = Killer(bot, seed)
    alice, bob = tg.user("Alice"), tg.user("Bob")
    people = {"Alice": alice, "Bob": bob}
    group = tg.group("Team", members=[alice, bob], admins=[alice])

    # Brainstorm: three ideas, each acknowledged with a reaction; the bell rings once.
    # A long brainstorm that the facilitator ends: a restart takes half a minute on a busy
    # machine, and a deadline that rang between two kills would refuse the next idea.
    await tg.send(alice, group, "/brainstorm 20m")
    await tg.wait_message(group, "Touchpoint brainstorm")
    for text, user in zip(IDEAS, (bob, alice, bob), strict=True):
        mode = killer.next()
        sent = await tg.send(user, group, f"/idea {text}")
        if mode == "in flight":
            await killer.kill(mode)
        await wait_ack(tg, sent)
        if mode == "after the ack":
            await killer.kill(mode)
    await tg.send(alice, group, "/finish")
    try:
        final = await tg.wait_message(group, "Time is up!", timeout=90)
    except AssertionError as exc:  # say why: the bot's own account of the bell
        raise AssertionError(f"{exc}; kills {killer.done}\n{bot.log()[-5000:]}") from None

    # Rating: both rate every spoke; the round closes when both are done.
    await tg.press(alice, final, "Shortlist & rate")
    announcement = await tg.wait_message(group, "Rating round 1")
    token = announcement.button("Rate privately")["url"].split("start=r_", 1)[1]
    wizards: dict[str, Sent] = {}
    for name in TAPS:
        wizards[name] = await open_wizard(tg, people[name], token)
    for index in range(len(TAPS["Alice"])):
        for name, taps in TAPS.items():
            await tap_with_kills(tg, killer, people[name], wizards[name], taps[index])
    await tg.wait_message(group, "Ranking", timeout=60)

    # Plan edits, each answered.
    for command, answer in (("/assign 1 @bob", "goes to @bob"), ("/due 1 2w", "is due on")):
        mode = killer.next()
        after = max(m.message_id for m in tg.bot_messages(group))
        await tg.send(alice, group, command)
        if mode == "in flight":
            await killer.kill(mode)
        await tg.wait_message(group, answer, after=after, timeout=60)
        if mode == "after the ack":
            await killer.kill(mode)
    after = max(m.message_id for m in tg.bot_messages(group))
    await tg.send(alice, group, "/plan")
    plan = await tg.wait_message(group, "Action plan", after=after, timeout=60)
    assert "@bob" in plan.text and "📅" in plan.text

    assert len(killer.done) == KILLS_PER_SEED, killer.done
    assert await bot.stop() == 0
    assert "Traceback" not in bot.log(), bot.log()
    ideas, ratings, verdict, pending = database(tmp_path / "bot.sqlite3")
    assert ideas == list(IDEAS)
    expected = [
        (name, IDEAS[i // 3], int(value))
        for name, taps in sorted(TAPS.items())
        for i, value in enumerate(taps)
    ]
    assert sorted(ratings) == sorted(expected)
    assert verdict == "ok"
    assert len(tg.find(group, "Time is up!")) == 1
    assert len([m for m in tg.bot_messages(group) if m.kind == "photo"]) == 1
    assert len(tg.find(group, "Ranking")) == 1  # the results were published once
    # The bell rang once and the round closed: no timer of either is left to fire again.
    assert not [
        key for key in pending if key.startswith(("brainstorm_", "rating_close", "publish_"))
    ]
    # The ranking's numbers are exact: each spoke's mean of its criterion means.
    ranking = next(m for m in tg.bot_messages(group) if "Ranking" in m.text).text
    for spoke, text in enumerate(IDEAS):
        per_criterion = [
            statistics.fmean(int(TAPS[name][spoke * 3 + c]) for name in TAPS) for c in range(3)
        ]
        lines = ranking.splitlines()
        row = lines[lines.index(f"{spoke + 1}. {text}") + 1]
        assert row.split()[0] == f"{statistics.fmean(per_criterion):.1f}", row


async def wait_ack(tg: FakeTelegram, sent: Sent) -> None:
    """The bot's reaction to an idea: it was stored."""
    await tg.wait_for(lambda: sent.reactions, timeout=60, what=f"the ack of {sent.text!r}")


async def tap_with_kills(
    tg: FakeTelegram, killer: Killer, user: FakeUser, wizard: Sent, label: str
) -> None:
    """One wizard tap; a kill in flight means the answer arrives after the restart."""
    mode = killer.next()
    edits = wizard.edits
    await tg.push_callback(user, wizard, wizard.button(label)["callback_data"])
    if mode == "in flight":
        await killer.kill(mode)
    await tg.wait_for(lambda: wizard.edits > edits, timeout=60, what=f"the wizard after {label}")
    if mode == "after the ack":
        await killer.kill(mode)
