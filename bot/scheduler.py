"""Deadlines and reminders: stored in the database, run by APScheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain import JobKind
from bot.outbound import Lane, lane
from storage.db import utcnow
from storage.repos import JobRepo

log = logging.getLogger(__name__)

RETRY_SECONDS = 30

JobHandler = Callable[[int], Awaitable[None]]
# A timer of something being created or moved: its kind, key suffix and time.
Timer = tuple[JobKind, str, datetime]


def job_key(kind: JobKind, ref_id: int, suffix: str = "") -> str:
    """A stable key: scheduling the same job again moves it instead of adding one."""
    return f"{kind.value}:{ref_id}{':' + suffix if suffix else ''}"


class JobScheduler:
    """Every job lives in the `jobs` table first; APScheduler only keeps the timer.

    A job is marked done after its handler returns, so a crash mid-run repeats it at
    start-up; handlers therefore check the current state before they act.
    """

    def __init__(self, jobs: JobRepo) -> None:
        self._jobs = jobs
        self._handlers: dict[JobKind, JobHandler] = {}
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[None]] = set()
        self._started: set[asyncio.Task[None]] = set()
        self._finished: dict[str, asyncio.Event] = {}  # jobs someone waits for

    def register(self, kind: JobKind, handler: JobHandler) -> None:
        self._handlers[kind] = handler

    async def start(self) -> int:
        """Start the timer and re-arm every pending job; overdue ones fire at once."""
        self._scheduler.start()
        pending = await self._jobs.pending()
        for job in pending:
            self._arm(job.key, job.kind, job.ref_id, job.run_at)
        return len(pending)

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
        )

    async def _run(self, key: str, kind: JobKind, ref_id: int) -> None:
        await self._finish_at_shutdown(self._execute(key, kind, ref_id))

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
        try:
            with lane(Lane.POST):  # whoever armed it, a job's messages are the bot's own
                await handler(ref_id)
        except Exception:
            # The job stays pending: retried shortly, and at the next start-up.
            log.exception("job %s failed; retrying in %s s", key, RETRY_SECONDS)
            self._arm(key, kind, ref_id, utcnow() + timedelta(seconds=RETRY_SECONDS))
            return
        await self._jobs.finish(key, job.run_at)
        waiting = self._finished.pop(key, None)
        if waiting is not None:
            waiting.set()
