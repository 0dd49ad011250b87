"""Follow-up in-process: owners, due dates, reminders once, schedules and missed fires."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.types import Message

from bot.config import Config
from bot.domain import JobKind, RoundStatus
from bot.services.followup import FollowUpService
from storage.db import utcnow
from tests.harness import Harness, make_harness
from tests.test_rating import Team
from tests.test_results import closed_round

NOW = datetime.now(UTC)


@pytest.fixture
async def team(harness: Harness) -> Team:
    return await closed_round(harness)


def follow(team: Team) -> FollowUpService:
    found: FollowUpService = team.h.dp["followup"]
    return found


def last(team: Team) -> str:
    return team.h.session.sent(team.chat.id)[-1].text


async def test_plan_owner_due_done(team: Team) -> None:
    await team.h.say(team.bob, team.chat, "/plan")
    assert "2. <b>Phone line</b>" in last(team)
    # Said once for the whole plan, not under every item (issue 25).
    assert last(team).lower().count("no owner or date") == 1
    assert "No owner or date yet: 2, 3." in last(team)
    await team.h.say(team.alice, team.chat, "/assign 2 @bob")
    assert "Item 2 goes to @bob" in last(team)
    await team.h.say(team.alice, team.chat, "/assign 3 @nobody")
    assert "I have not seen @nobody" in last(team)
    carol_msg = Message(message_id=999, date=NOW, chat=team.chat, from_user=team.carol, text="hi")
    await team.h.say(team.alice, team.chat, "/assign 3", reply_to=carol_msg)
    assert "Item 3 goes to @carol" in last(team)
    await team.h.say(team.alice, team.chat, "/due 2 01.01.2020")
    assert "in the past" in last(team)
    await team.h.say(team.alice, team.chat, "/due 2 someday")
    assert "could not read that date" in last(team)
    await team.h.say(team.alice, team.chat, "/due 9 2w")
    assert "no plan item 9" in last(team)
    # Items take the numbers of /list: 1 (Website chat, 8.0) is not on the short plan, but
    # every rated spoke has a plan item (/plan all), so it can be marked done.
    await team.h.say(team.alice, team.chat, "/done 1")
    assert "Item 1 is done" in last(team)
    await team.h.say(team.carol, team.chat, "/due 2 2w")
    assert "Only the facilitator" in last(team)
    await team.h.say(team.alice, team.chat, "/due 2 2w")
    assert "due on" in last(team)
    await team.h.say(team.bob, team.chat, "/done 2")  # the owner may close their own item
    _, items = await follow(team).plan(team.chat.id)
    assert items[0].owner_id == team.bob.id and items[0].done_at is not None
    assert items[1].owner_id == team.carol.id and items[0].due_date is not None
    await team.h.say(team.bob, team.chat, "/plan")
    assert "✅" in last(team) and "@bob" in last(team)
    assert "owner or date yet" not in last(team)  # 2 has an owner, 3 an owner too


async def test_due_reminders_reach_owner_and_group_once(team: Team) -> None:
    await team.h.say(team.alice, team.chat, "/assign 2 @bob")
    await team.h.say(team.alice, team.chat, "/due 2 0d")
    jobs = [j for j in await team.h.ctx.store.jobs.pending() if j.kind is JobKind.DUE_REMINDER]
    assert len(jobs) == 1 and jobs[0].ref_id == team.chat.id
    before_group = len(team.h.session.sent(team.chat.id))
    await follow(team).due_reminders(team.chat.id)
    await follow(team).due_reminders(team.chat.id)  # a repeated job: nothing more
    group = team.h.session.sent(team.chat.id)[before_group:]
    private = [m for m in team.h.session.sent(team.bob.id) if "Due today" in m.text]
    assert len(group) == 1 and "Due today: 2. Phone line (@bob)" in group[0].text
    assert len(private) == 1 and "Phone line" in private[0].text


async def test_overdue_items_are_marked(team: Team) -> None:
    _, items = await follow(team).plan(team.chat.id)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    await team.h.ctx.store.plans.set_due(items[0].id, yesterday)
    await team.h.say(team.bob, team.chat, "/plan")
    assert "overdue" in last(team)


async def test_schedule_on_and_off(team: Team) -> None:
    """The first re-evaluation comes a week after the round that closed today, even at a time
    of day still ahead today (issue 25)."""
    await team.h.say(team.alice, team.chat, "/schedule sometimes")
    assert "could not read that schedule" in last(team)
    await team.h.say(team.alice, team.chat, "/schedule weekly 23:59")
    assert "Next round opens on" in last(team)
    keys = await team.h.ctx.store.jobs.pending_with_prefix(f"scheduled_round:{team.chat.id}:")
    assert len(keys) == 1
    (job,) = [j for j in await team.h.ctx.store.jobs.pending() if j.key == keys[0]]
    zone = ZoneInfo(team.h.ctx.config.locale.timezone)
    today = utcnow().astimezone(zone).date()
    assert job.run_at.astimezone(zone).date() == today + timedelta(days=7)
    await team.h.say(team.alice, team.chat, "/schedule off")
    assert await team.h.ctx.store.jobs.pending_with_prefix("scheduled_round:") == []


async def wait_for_rounds(h: Harness, ws_id: int, count: int, timeout: float = 60) -> None:
    """Poll until the workshop has `count` rounds (a generous deadline: a busy machine)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(await h.ctx.store.rounds.for_workshop(ws_id)) < count:
        if loop.time() > deadline:
            raise AssertionError(f"no round {count}")
        await asyncio.sleep(0.02)


async def test_a_missed_fire_runs_once_after_a_restart(
    team: Team, config: Config, tmp_path: Path
) -> None:
    h = team.h
    ws = await h.ctx.store.workshops.latest(team.chat.id)
    assert ws is not None
    await h.say(team.alice, team.chat, "/schedule every 1d 10:00")
    (key,) = await h.ctx.store.jobs.pending_with_prefix("scheduled_round:")
    # The bot was down when this fire was due, and the one after it too.
    await h.ctx.store.jobs.put(
        key, JobKind.SCHEDULED_ROUND, team.chat.id, utcnow() - timedelta(days=2)
    )
    await h.ctx.scheduler.start()
    await wait_for_rounds(h, ws.id, 2)
    await asyncio.sleep(0.2)
    rounds = await h.ctx.store.rounds.for_workshop(ws.id)
    assert [r.status for r in rounds] == [RoundStatus.CLOSED, RoundStatus.OPEN]
    (next_key,) = await h.ctx.store.jobs.pending_with_prefix("scheduled_round:")
    (next_job,) = [j for j in await h.ctx.store.jobs.pending() if j.key == next_key]
    assert next_job.run_at > utcnow()
    await h.ctx.scheduler.shutdown()

    again = await make_harness(config, str(tmp_path / "test.sqlite3"))
    await again.ctx.scheduler.start()
    await asyncio.sleep(0.3)
    assert len(await again.ctx.store.rounds.for_workshop(ws.id)) == 2
    await again.ctx.scheduler.shutdown()
    await again.ctx.store.close()


async def test_ideas_after_results_join_the_next_round(team: Team) -> None:
    await team.h.say(team.carol, team.chat, "/idea Instagram DM\nPhone line")
    assert "next rating round" in last(team)
    ws = await team.h.ctx.store.workshops.latest(team.chat.id)
    assert ws is not None
    tps = {tp.text: tp for tp in await team.h.ctx.store.touchpoints.live(ws.id)}
    assert tps["Instagram DM"].shortlisted and tps["Phone line"].votes == 2
    await team.h.say(team.alice, team.chat, "/rate")
    rounds = await team.h.ctx.store.rounds.for_workshop(ws.id)
    items = await team.h.ctx.store.rounds.items(rounds[-1].id)
    assert [i.text for i in items] == ["Website chat", "Phone line", "Delivery", "Instagram DM"]


async def test_russian_wording_of_the_schedule_and_the_trend(harness: Harness) -> None:
    """Issue 11: no English schedule inside a Russian sentence; "за 2 раунда", not
    "за раунды: 2"."""
    from bot.core.schedule import parse_schedule
    from bot.views.followup import history_caption, schedule_set

    quarterly, fortnightly = parse_schedule("quarterly 10:00"), parse_schedule("every 14d")
    assert quarterly is not None and fortnightly is not None
    when = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with harness.ctx.speaking("ru"):
        assert schedule_set(quarterly, when).startswith("🔁 Переоценка: ежеквартально в 10:00.")
        assert "каждые 14 дней в 10:00" in schedule_set(fortnightly, when)
        captions = [history_caption(n) for n in (1, 2, 5, 21)]
    assert captions == [
        "📈 Динамика за 1 раунд",
        "📈 Динамика за 2 раунда",
        "📈 Динамика за 5 раундов",
        "📈 Динамика за 21 раунд",
    ]
    with harness.ctx.speaking("en"):
        assert "Re-evaluation quarterly at 10:00." in schedule_set(quarterly, when)
        assert history_caption(1) == "📈 Trend across 1 round"


async def test_m_is_minutes_and_months_are_mo(team: Team) -> None:
    """Issue 25: `/due 2 1m` is not a month (m is minutes everywhere); `1mo` is, and the
    answer says the date was counted in months."""
    await team.h.say(team.alice, team.chat, "/due 2 1m")
    assert "In “1m”, m means minutes" in last(team) and "1mo" in last(team)
    _, items = await follow(team).plan(team.chat.id)
    assert all(i.due_date is None for i in items)
    await team.h.say(team.alice, team.chat, "/due 2 1mo")
    assert "1 month from today." in last(team)
    await team.h.say(team.alice, team.chat, "/due 2 2w")
    assert "from today" not in last(team)
    _, items = await follow(team).plan(team.chat.id)
    assert items[0].due_date is not None
