"""Deadlines and reminders: stored in the database, run by APScheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain import JobKind
from bot.outbound import Lane, lane
from storage.db import utcnow
from storage.models import Job
from storage.repos import JobRepo

log = logging.getLogger(__name__)

# A failed job is tried again after 30 s, 1 min, 2 min, … (at most an hour apart), and
# dropped when it has failed MAX_ATTEMPTS times; a refusal for good drops it at once.
RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0
MAX_ATTEMPTS = 8
# Kept this long: jobs that ended (for looking into what happened), and the marks of
# messages taken in (Telegram repeats an update for a day at most).
KEEP_JOBS = timedelta(days=30)
KEEP_MESSAGES = timedelta(days=7)
PRUNE_SECONDS = 24 * 3600
MAX_WAITING = 8  # runs of one job that may be under way or waiting for it at once
# What Telegram says when the bot can no longer write there (kicked, chat gone, no right to
# post): trying again cannot help.
_FOR_GOOD = (
    "chat not found",
    "bot was kicked",
    "not enough rights to send",
    "have no rights to send",
    "chat_write_forbidden",
    "need administrator rights in the channel chat",
    "message thread not found",
    "topic_closed",
    "topic_deleted",
)
P = ParamSpec("P")
T = TypeVar("T")

JobHandler = Callable[[int], Awaitable[None]]
# A timer of something being created or moved: its kind, key suffix and time.
Timer = tuple[JobKind, str, datetime]


def for_good(exc: BaseException) -> bool:
    """Whether Telegram refused for good: the bot was blocked or kicked, the chat is gone,
    or the bot may not post there."""
    if isinstance(exc, TelegramForbiddenError):
        return True
    if isinstance(exc, TelegramBadRequest):
        return any(reason in exc.message.lower() for reason in _FOR_GOOD)
    return False


def retry_delay(attempt: int) -> float:
    """Seconds before the next try after the `attempt`-th failure (1, 2, …)."""
    return float(min(RETRY_SECONDS * 2 ** (attempt - 1), MAX_RETRY_SECONDS))


@dataclass
class _Run:
    """The job the current task is running: its key and the steps already done."""

    key: str
    steps: set[str] = field(default_factory=set)


_current: ContextVar[_Run | None] = ContextVar("current_job", default=None)


def job_key(kind: JobKind, ref_id: int, suffix: str = "") -> str:
    """A stable key: scheduling the same job again moves it instead of adding one."""
    return f"{kind.value}:{ref_id}{':' + suffix if suffix else ''}"


class JobScheduler:
    """Every job lives in the `jobs` table first; APScheduler only keeps the timer.

    A job is marked done after its handler returns, so a crash mid-run repeats it at
    start-up; handlers therefore check the current state before they act, and mark each
    message they send (`once`), so that a run repeated after a failure does not send it
    again. A failed run is retried with back-off and dropped after MAX_ATTEMPTS failures,
    or at once when Telegram refuses for good (`for_good`).
    """

    def __init__(self, jobs: JobRepo) -> None:
        self._jobs = jobs
        self._handlers: dict[JobKind, JobHandler] = {}
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[None]] = set()
        self._started: set[asyncio.Task[None]] = set()
        self._finished: dict[str, asyncio.Event] = {}  # jobs someone waits for
        # One run of a job at a time: a timer re-armed while the job runs (its retry, a
        # move) waits for that run to end. Each lock with how many runs hold or want it.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    def register(self, kind: JobKind, handler: JobHandler) -> None:
        self._handlers[kind] = handler

    async def start(self) -> int:
        """Start the timer and re-arm every pending job; overdue ones fire at once. Old
        rows are pruned now and every day."""
        self._scheduler.start()
        await self.prune()
        self.every(PRUNE_SECONDS, self.prune, "prune")
        pending = await self._jobs.pending()
        for job in pending:
            self._arm(job.key, job.kind, job.ref_id, job.run_at)
        return len(pending)

    async def prune(self) -> None:
        """Forget jobs that ended long ago and old marks of messages taken in."""
        now = utcnow()
        jobs, messages = await self._jobs.prune(now - KEEP_JOBS, now - KEEP_MESSAGES)
        if jobs or messages:
            log.info("pruned %d old jobs and %d old message marks", jobs, messages)

    async def once(
        self, step: str, work: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs
    ) -> T | None:
        """Inside a job: do `work` unless an earlier (failed) run of the job did this step,
        and note it as done (None when skipped). Outside a job: just do it."""
        run = _current.get()
        if run is None:
            return await work(*args, **kwargs)
        if step in run.steps:
            return None
        result = await work(*args, **kwargs)
        run.steps.add(step)
        await self._jobs.step_done(run.key, sorted(run.steps))
        return result

    def every(self, seconds: float, func: Callable[[], Awaitable[None]], name: str) -> None:
        """A periodic in-memory job (nothing to persist: e.g. refreshing countdowns); like the
        stored jobs, a run in progress at shutdown is let finish."""

        async def tick() -> None:
            await self._finish_at_shutdown(func())

        self._scheduler.add_job(
            tick,
            trigger=IntervalTrigger(seconds=seconds),
            id=f"every:{name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
        )

    async def shutdown(self, grace: float = 10.0) -> None:
        """Stop the timer and let jobs that are already running finish (bounded)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)

    async def schedule(
        self, kind: JobKind, ref_id: int, run_at: datetime, suffix: str = ""
    ) -> str:
        key = job_key(kind, ref_id, suffix)
        await self._jobs.put(key, kind, ref_id, run_at)
        self._arm(key, kind, ref_id, run_at)
        return key

    async def cancel(self, keys: Sequence[str]) -> None:
        await self._jobs.cancel_for(keys)
        self.forget(keys)

    def forget(self, keys: Sequence[str]) -> None:
        """Drop the timers of jobs whose rows a transaction of the caller removed."""
        for key in keys:
            if self._scheduler.get_job(key) is not None:
                self._scheduler.remove_job(key)

    def run_stored(self, kind: JobKind, ref_id: int, suffix: str = "") -> None:
        """Run a job that the caller's transaction stored as due now, in a task of its own
        (the caller does not wait for it; shutdown lets it finish; a crash before it is done
        leaves it pending, so it runs at the next start-up)."""
        key = job_key(kind, ref_id, suffix)
        task = asyncio.ensure_future(self._run(key, kind, ref_id))
        self._started.add(task)
        task.add_done_callback(self._started.discard)

    async def done(self, key: str) -> None:
        """Wait until the job under `key` has run and is marked done (tests)."""
        event = self._finished.setdefault(key, asyncio.Event())
        if await self._jobs.get(key) is not None:
            await event.wait()
        else:
            self._finished.pop(key, None)

    async def idle(self) -> None:
        """Wait until the jobs started with `run_stored` are done (tests, shutdown)."""
        while self._started or self._running:
            await asyncio.wait(self._started | self._running)

    @staticmethod
    def rows(timers: Sequence[Timer]) -> Callable[[int], list[tuple[str, str, datetime]]]:
        """The job rows (key, kind, time) a creating transaction stores for `timers` once
        it knows the new id; `arm` then times them."""
        return lambda ref_id: [
            (job_key(kind, ref_id, suffix), kind.value, when) for kind, suffix, when in timers
        ]

    def arm(self, ref_id: int, timers: Sequence[Timer]) -> None:
        """Time jobs whose rows the caller's transaction stored."""
        for kind, suffix, when in timers:
            self._arm(job_key(kind, ref_id, suffix), kind, ref_id, when)

    async def rearm(
        self, ref_id: int, timers: Sequence[Timer], optional: JobKind, suffixes: Sequence[str]
    ) -> None:
        """Store and time `timers` (moved), and drop the `optional` ones (warnings,
        reminders) that no longer lie ahead."""
        for kind, suffix, when in timers:
            await self.schedule(kind, ref_id, when, suffix)
        ahead = {suffix for kind, suffix, _when in timers if kind is optional}
        await self.cancel([job_key(optional, ref_id, s) for s in suffixes if s not in ahead])

    def _arm(self, key: str, kind: JobKind, ref_id: int, run_at: datetime) -> None:
        if not self._scheduler.running:
            return
        when = max(run_at, utcnow())
        self._scheduler.add_job(
            self._run,
            trigger=DateTrigger(run_date=when),
            args=(key, kind, ref_id),
            id=key,
            replace_existing=True,
            misfire_grace_time=None,
            # A timer may fire while the run it re-armed is still ending: let it wait in
            # `_run` for its turn instead of being skipped.
            max_instances=MAX_WAITING,
        )

    async def _run(self, key: str, kind: JobKind, ref_id: int) -> None:
        await self._finish_at_shutdown(self._one_at_a_time(key, kind, ref_id))

    async def _one_at_a_time(self, key: str, kind: JobKind, ref_id: int) -> None:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._execute(key, kind, ref_id)
        finally:
            lock, users = self._locks[key]
            if users > 1:
                self._locks[key] = (lock, users - 1)
            else:
                del self._locks[key]

    async def _finish_at_shutdown(self, work: Awaitable[None]) -> None:
        # APScheduler cancels running coroutines when it shuts down; the work runs in a
        # task of our own so that shutdown() can let it finish instead.
        task = asyncio.ensure_future(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(task)

    async def _execute(self, key: str, kind: JobKind, ref_id: int) -> None:
        job = await self._jobs.get(key)
        if job is None:
            return
        if job.run_at > utcnow() + timedelta(seconds=1):
            # Moved (e.g. /extend) after this timer was set: wait for the new time.
            self._arm(key, kind, ref_id, job.run_at)
            return
        handler = self._handlers.get(kind)
        if handler is None:
            log.error("no handler for job %s", key)
            return
        token = _current.set(_Run(key, set(job.steps)))
        try:
            with lane(Lane.POST):  # whoever armed it, a job's messages are the bot's own
                await handler(ref_id)
        except Exception as exc:
            await self._failed(job, exc)
            return
        finally:
            _current.reset(token)
        await self._jobs.finish(key, job.run_at)
        self._wake(key)

    async def _failed(self, job: Job, exc: Exception) -> None:
        """Retry later with back-off, or drop the job: refused for good, or failed too often.
        A job moved or removed meanwhile (by its own handler, or /extend) is left as it is."""
        attempt = job.attempts + 1
        if for_good(exc):
            log.warning("job %s dropped: Telegram refused for good: %s", job.key, exc)
            await self._jobs.drop(job.key, job.run_at, repr(exc))
            self._wake(job.key)
        elif attempt >= MAX_ATTEMPTS:
            log.error("job %s dropped after %d failed attempts", job.key, attempt, exc_info=exc)
            await self._jobs.drop(job.key, job.run_at, repr(exc))
            self._wake(job.key)
        else:
            delay = retry_delay(attempt)
            retry_at = utcnow() + timedelta(seconds=delay)
            if await self._jobs.retry(job.key, job.run_at, retry_at):
                log.warning(
                    "job %s failed (attempt %d of %d), retrying in %.0f s: %r",
                    job.key,
                    attempt,
                    MAX_ATTEMPTS,
                    delay,
                    exc,
                )
                self._arm(job.key, job.kind, job.ref_id, retry_at)
            else:
                log.warning("job %s failed, and was moved or removed meanwhile: %r", job.key, exc)

    def _wake(self, key: str) -> None:
        waiting = self._finished.pop(key, None)
        if waiting is not None:
            waiting.set()
