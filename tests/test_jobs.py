"""Stored jobs that fail (issue 27): retried with back-off and without repeating what went
out, dropped after a few attempts or at once when Telegram refuses for good; the bell, the
pin and the board when a send fails; the plan that outlives a new brainstorm."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
)
from aiogram.methods import SendMessage, TelegramMethod, UnpinChatMessage
from aiogram.types import Chat, User

import bot.scheduler
from bot.domain import JobKind, Phase
from bot.scheduler import JobScheduler
from bot.services.brainstorm import BrainstormService
from bot.services.followup import FollowUpService
from bot.views.callbacks import RateOp
from storage import Storage
from storage.db import utcnow
from tests.harness import Harness, group_chat, make_user
from tests.test_rating import Team
from tests.test_results import closed_round

# Jobs are waited for through events; this only stops a test that would wait for ever.
GUARD = 30.0


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries after a few milliseconds instead of 30 s; three attempts at most."""
    monkeypatch.setattr(bot.scheduler, "RETRY_SECONDS", 0.01)
    monkeypatch.setattr(bot.scheduler, "MAX_ATTEMPTS", 3, raising=False)


def fail_once(
    harness: Harness, matches: Callable[[TelegramMethod[Any]], bool], error: TelegramAPIError
) -> list[TelegramMethod[Any]]:
    """The first request that `matches` fails with `error` (it is not recorded as sent);
    the failed requests are returned."""
    session = harness.session
    real = session.make_request
    failed: list[TelegramMethod[Any]] = []

    async def flaky(bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        if not failed and matches(method):
            failed.append(method)
            raise error
        return await real(bot, method, timeout)

    session.make_request = flaky  # type: ignore[method-assign]
    return failed


def down(method: TelegramMethod[Any]) -> TelegramNetworkError:
    return TelegramNetworkError(method=method, message="Telegram is down")


def sent_to(chat_id: int, needle: str) -> Callable[[TelegramMethod[Any]], bool]:
    def matches(method: TelegramMethod[Any]) -> bool:
        return (
            isinstance(method, SendMessage)
            and int(method.chat_id) == chat_id
            and needle in method.text
        )

    return matches


# --- the scheduler: back-off, bounded retries, refusals for good --------------------------


def test_the_back_off_doubles_up_to_an_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.scheduler import retry_delay

    monkeypatch.setattr(bot.scheduler, "RETRY_SECONDS", 30.0)
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(20) == bot.scheduler.MAX_RETRY_SECONDS == 3600


@pytest.mark.parametrize(
    ("error", "runs"),
    [
        (TelegramNetworkError(method=SendMessage(chat_id=-1, text=""), message="down"), 3),
        (
            TelegramForbiddenError(
                method=SendMessage(chat_id=-1, text=""),
                message="Forbidden: bot was kicked from the supergroup chat",
            ),
            1,
        ),
        (
            TelegramBadRequest(
                method=SendMessage(chat_id=-1, text=""), message="Bad Request: chat not found"
            ),
            1,
        ),
    ],
    ids=["transient", "kicked", "chat-not-found"],
)
async def test_a_failing_job_is_dropped_after_max_attempts_or_at_once_when_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, error: TelegramAPIError, runs: int
) -> None:
    store = await Storage.open(tmp_path / "t.sqlite3")
    scheduler = JobScheduler(store.jobs)
    calls: list[int] = []

    async def handler(ref_id: int) -> None:
        calls.append(ref_id)
        raise error

    scheduler.register(JobKind.DUE_REMINDER, handler)
    await scheduler.start()
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    key = await scheduler.schedule(JobKind.DUE_REMINDER, -1, utcnow(), "2026-12-02")
    await asyncio.wait_for(scheduler.done(key), GUARD)
    assert len(calls) == runs
    assert await store.jobs.pending() == []
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 1 and key in dropped[0].getMessage()
    await scheduler.shutdown()
    await store.close()


# --- due reminders: every message once, however often the job runs ----------------------


@pytest.fixture
async def team(harness: Harness) -> Team:
    return await closed_round(harness)


def follow(team: Team) -> FollowUpService:
    found: FollowUpService = team.h.dp["followup"]
    return found


async def due_today(team: Team) -> str:
    """Item 2 goes to Bob, due today; its reminder job falls due now. Its key."""
    await team.h.say(team.alice, team.chat, "/assign 2 @bob")
    await team.h.say(team.alice, team.chat, "/due 2 0d")
    (job,) = [j for j in await team.h.ctx.store.jobs.pending() if j.kind is JobKind.DUE_REMINDER]
    # 09:00 local may still lie ahead today: the job is due now.
    await team.h.ctx.store.jobs.put(job.key, job.kind, job.ref_id, utcnow())
    return job.key


@pytest.mark.parametrize("failing", ["group", "owner"])
async def test_a_reminder_whose_send_fails_once_posts_exactly_once(
    team: Team, failing: str
) -> None:
    key = await due_today(team)
    target = team.chat.id if failing == "group" else team.bob.id
    failed = fail_once(team.h, sent_to(target, "Due today"), down(SendMessage(chat_id=0, text="")))
    before = len(team.h.session.sent(team.chat.id))
    await team.h.ctx.scheduler.start()
    await asyncio.wait_for(team.h.ctx.scheduler.done(key), GUARD)
    assert len(failed) == 1  # the job did fail once, and ran again
    group = [m.text for m in team.h.session.sent(team.chat.id)[before:]]
    private = [m.text for m in team.h.session.sent(team.bob.id) if "Due today" in m.text]
    assert len(group) == 1 and "Due today: 2. Phone line (@bob)" in group[0]
    assert len(private) == 1 and "Phone line" in private[0]
    assert key not in [j.key for j in await team.h.ctx.store.jobs.pending()]


async def test_a_reminder_to_a_chat_the_bot_cannot_write_to_is_dropped_at_once(
    team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    key = await due_today(team)
    team.h.session.blocked.add(team.chat.id)  # every message there: 403
    caplog.set_level(logging.INFO, logger="bot.scheduler")
    await team.h.ctx.scheduler.start()
    await asyncio.wait_for(team.h.ctx.scheduler.done(key), GUARD)
    tries = [m for m in team.h.session.of(SendMessage) if "Due today" in m.text]
    assert len(tries) == 1
    assert [r.levelname for r in caplog.records if key in r.getMessage()] == ["WARNING"]
    assert await team.h.ctx.store.jobs.pending() == []


def test_a_long_due_list_is_split_between_items_under_telegrams_limit(harness: Harness) -> None:
    from bot.domain import Criterion
    from bot.views.followup import due_today_group
    from storage.models import PlanItem

    due = [
        PlanItem(
            id=n,
            workshop_id=1,
            round_id=1,
            touchpoint_id=n,
            position=n,
            criterion=Criterion.SPEED,
            action="",
            number=n,
            owner_id=None,
            due_date="2026-12-02",
            done_at=None,
        )
        for n in range(1, 151)
    ]
    texts = {n: f"Touchpoint with a rather long name {n:03d}" for n in range(1, 151)}
    with harness.ctx.speaking("en"):
        messages = due_today_group(due, texts, {})
    assert isinstance(messages, list) and len(messages) > 1
    assert all(len(m) <= 4096 for m in messages)
    assert all(
        m.startswith("📅 Due today: ") and m.endswith(". /done N when finished.") for m in messages
    )
    listed = [p for m in messages for p in m.split(": ", 1)[1].split("; ")]
    assert [p.split(". ")[0] for p in listed] == [str(n) for n in range(1, 151)]


# --- the rating reminder --------------------------------------------------------------------


def test_a_reminder_names_the_first_few_and_counts_the_rest(harness: Harness) -> None:
    from bot.core.progress import RoundProgress
    from bot.views.common import mention
    from bot.views.rating import reminder

    names = [mention(n, f"Somebody with a long name number {n}") for n in range(1, 201)]
    progress = RoundProgress(members=201, started=frozenset(), finished=frozenset())
    with harness.ctx.speaking("en"):
        text, _markup = reminder(timedelta(minutes=5), "en", names, progress, "https://t.me/x")
    assert len(text) <= 4096
    assert names[0] in text and names[-1] not in text
    shown = sum(name in text for name in names)
    assert f"and {200 - shown} more" in text


async def test_a_rating_reminder_whose_nudge_fails_once_is_posted_once(harness: Harness) -> None:
    team = Team(harness)
    _, rnd = await team.open_round()
    wizard = await team.open_wizard(team.bob, rnd)
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 0, 5)  # started, not finished
    failed = fail_once(
        harness, sent_to(team.bob.id, "not finished yet"), down(SendMessage(chat_id=0, text=""))
    )
    key = await harness.ctx.scheduler.schedule(JobKind.RATING_REMIND, rnd.id, utcnow(), "half")
    before = len(harness.session.sent(team.chat.id))
    await harness.ctx.scheduler.start()
    await asyncio.wait_for(harness.ctx.scheduler.done(key), GUARD)
    assert failed
    group = [m.text for m in harness.session.sent(team.chat.id)[before:]]
    assert len(group) == 1 and "Still to finish" in group[0]
    nudges = [m for m in harness.session.sent(team.bob.id) if "not finished yet" in m.text]
    assert len(nudges) == 1


# --- the bell and the board ------------------------------------------------------------------


@pytest.fixture
def alice() -> User:
    return make_user("Alice")


@pytest.fixture
def chat(harness: Harness, alice: User) -> Chat:
    chat = group_chat()
    harness.session.admins[chat.id] = {alice.id}
    return chat


def distinct_words(seed: int) -> str:
    """About 150 characters of words that no other seed's words resemble."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    return " ".join("".join(rng.choices(letters, k=6)) for _ in range(21))


async def test_a_bell_repeated_after_a_failure_posts_each_part_of_the_list_once(
    harness: Harness, alice: User, chat: Chat
) -> None:
    await harness.say(alice, chat, "/brainstorm 10m")
    for first in (0, 30):  # an idea message is read up to workshop.max_idea_lines (30) lines
        ideas = "\n".join(f"Idea {n:03d} " + distinct_words(n) for n in range(first, first + 30))
        await harness.say(alice, chat, f"/idea {ideas}")
    ws = await harness.ctx.store.workshops.active(chat.id)
    assert ws is not None
    # The second part of the list fails to go out, once.
    failed = fail_once(
        harness, sent_to(chat.id, "Idea 030"), down(SendMessage(chat_id=0, text=""))
    )
    brainstorm: BrainstormService = harness.dp["brainstorm"]
    with pytest.raises(TelegramNetworkError):
        await brainstorm.finish(ws.id)
    assert failed
    await brainstorm.finish(ws.id)  # the bell rings again (its job at the deadline, /finish)
    parts = [m.text for m in harness.session.sent(chat.id) if "Idea 0" in m.text]
    assert len(parts) > 2
    for n in range(60):
        assert sum(f"Idea {n:03d} " in p for p in parts) == 1, n
    done = await harness.ctx.store.workshops.get(ws.id)
    assert done is not None and done.list_posted
    assert await harness.ctx.store.jobs.pending() == []


@pytest.mark.parametrize(("may_pin", "unpins"), [(False, 0), (True, 1)])
async def test_the_bell_unpins_only_a_board_the_bot_pinned(
    harness: Harness, alice: User, chat: Chat, may_pin: bool, unpins: int
) -> None:
    if may_pin:
        harness.session.pinning.add(chat.id)
    await harness.say(alice, chat, "/brainstorm 10m")
    await harness.say(alice, chat, "/idea Website chat")
    await harness.say(alice, chat, "/finish")
    assert len(harness.session.of(UnpinChatMessage)) == unpins


async def test_a_board_that_did_not_go_out_is_posted_by_the_next_brainstorm(
    harness: Harness, alice: User, chat: Chat
) -> None:
    failed = fail_once(
        harness, sent_to(chat.id, "Touchpoint brainstorm"), down(SendMessage(chat_id=0, text=""))
    )
    await harness.say(alice, chat, "/brainstorm 10m Website")
    assert failed
    ws = await harness.ctx.store.workshops.active(chat.id)
    assert ws is not None and ws.board_message_id is None  # its bell is stored all the same
    await harness.say(alice, chat, "/brainstorm 10m Website")
    boards = [m for m in harness.session.sent(chat.id) if "Touchpoint brainstorm" in m.text]
    assert len(boards) == 1
    assert not any("already running" in m.text for m in harness.session.sent(chat.id))
    found = await harness.ctx.store.workshops.get(ws.id)
    assert found is not None and found.board_message_id is not None
    assert f"brainstorm_end:{ws.id}" in {j.key for j in await harness.ctx.store.jobs.pending()}


async def test_a_brainstorm_where_the_bot_may_not_post_is_cancelled(
    harness: Harness, alice: User, chat: Chat
) -> None:
    refused = TelegramBadRequest(
        method=SendMessage(chat_id=chat.id, text=""),
        message="Bad Request: not enough rights to send text messages to the chat",
    )
    failed = fail_once(harness, sent_to(chat.id, "Touchpoint brainstorm"), refused)
    await harness.say(alice, chat, "/brainstorm 10m Website")
    assert failed
    assert await harness.ctx.store.workshops.active(chat.id) is None
    assert await harness.ctx.store.jobs.pending() == []
    # Once the bot may post again, a brainstorm starts as usual.
    await harness.say(alice, chat, "/brainstorm 10m Website")
    ws = await harness.ctx.store.workshops.active(chat.id)
    assert ws is not None and ws.phase is Phase.BRAINSTORM and ws.board_message_id is not None


# --- the plan outlives a new brainstorm -------------------------------------------------------


async def test_after_a_new_brainstorm_the_old_plan_stays_until_a_new_one_is_published(
    team: Team,
) -> None:
    key = await due_today(team)
    await team.h.say(team.alice, team.chat, "/brainstorm 10m Next quarter")
    new = await team.h.ctx.store.workshops.active(team.chat.id)
    assert new is not None and new.phase is Phase.BRAINSTORM
    await team.h.say(team.bob, team.chat, "/plan")
    assert "2. <b>Phone line</b>" in team.h.session.sent(team.chat.id)[-1].text
    before = len(team.h.session.sent(team.chat.id))
    await team.h.ctx.scheduler.start()
    await asyncio.wait_for(team.h.ctx.scheduler.done(key), GUARD)
    group = [m.text for m in team.h.session.sent(team.chat.id)[before:]]
    assert any("Due today: 2. Phone line (@bob)" in text for text in group), group


async def test_the_scheduler_prunes_old_ended_jobs_when_it_starts(tmp_path: Path) -> None:
    store = await Storage.open(tmp_path / "t.sqlite3")
    old = utcnow() - timedelta(days=60)
    await store.jobs.put("old", JobKind.DUE_REMINDER, -1, old)
    await store.jobs.finish("old", old)
    await store.db.execute("UPDATE jobs SET done_at = run_at WHERE key = 'old'")
    await store.jobs.put("ahead", JobKind.DUE_REMINDER, -1, utcnow() + timedelta(days=1))
    scheduler = JobScheduler(store.jobs)
    await scheduler.start()
    keys = await store.db.fetchall("SELECT key FROM jobs")
    assert [row[0] for row in keys] == ["ahead"]
    await scheduler.shutdown()
    await store.close()
