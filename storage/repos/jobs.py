"""Jobs: every deadline, reminder and scheduled fire, kept before it is timed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime

from bot.domain import JobKind
from storage import rows
from storage.db import to_iso, utcnow
from storage.models import Job
from storage.repos.base import Repo

# Create or move a pending job (a moved job starts afresh: no failures, no steps done); also
# used by the transactions that store a job together with what it is for (a workshop's bell,
# a round's deadline, a publication).
UPSERT_JOB = (
    "INSERT INTO jobs (key, kind, ref_id, run_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET run_at = excluded.run_at, done_at = NULL, "
    "attempts = 0, steps = '[]', error = NULL"
)


class JobRepo(Repo):
    async def put(self, key: str, kind: JobKind, ref_id: int, run_at: datetime) -> None:
        """Create or move a pending job."""
        await self._db.execute(UPSERT_JOB, (key, kind.value, ref_id, to_iso(run_at)))

    async def pending(self) -> list[Job]:
        return await self._all(
            rows.job, "SELECT * FROM jobs WHERE done_at IS NULL ORDER BY run_at, key"
        )

    async def get(self, key: str) -> Job | None:
        """The job under `key` while it is pending."""
        return await self._one(
            rows.job, "SELECT * FROM jobs WHERE key = ? AND done_at IS NULL", (key,)
        )

    async def finish(self, key: str, run_at: datetime) -> bool:
        """Mark a job done unless it was moved meanwhile (a handler may re-arm its own key);
        False when nothing was marked."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE jobs SET done_at = ? WHERE key = ? AND done_at IS NULL AND run_at = ?",
                (to_iso(utcnow()), key, to_iso(run_at)),
            )
            return cursor.rowcount > 0

    async def pending_with_prefix(self, prefix: str) -> list[str]:
        found = await self._db.fetchall(
            "SELECT key FROM jobs WHERE done_at IS NULL AND key LIKE ? ESCAPE '\\'",
            (prefix.replace("_", "\\_").replace("%", "\\%") + "%",),
        )
        return [row[0] for row in found]

    async def cancel_for(self, ref_keys: Sequence[str]) -> None:
        """Drop pending jobs by key."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM jobs WHERE key = ? AND done_at IS NULL", [(k,) for k in ref_keys]
            )

    async def retry(self, key: str, run_at: datetime, retry_at: datetime) -> bool:
        """A run failed: count it and move the job to `retry_at`, unless it was moved (or
        dropped) meanwhile; False when nothing changed."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE jobs SET attempts = attempts + 1, run_at = ? "
                "WHERE key = ? AND done_at IS NULL AND run_at = ?",
                (to_iso(retry_at), key, to_iso(run_at)),
            )
            return cursor.rowcount > 0

    async def drop(self, key: str, run_at: datetime, error: str) -> bool:
        """Give a failing job up: it counts as ended, with the reason kept (unless it was
        moved meanwhile: False)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE jobs SET attempts = attempts + 1, done_at = ?, error = ? "
                "WHERE key = ? AND done_at IS NULL AND run_at = ?",
                (to_iso(utcnow()), error[:500], key, to_iso(run_at)),
            )
            return cursor.rowcount > 0

    async def step_done(self, key: str, steps: Sequence[str]) -> None:
        """Keep the steps a run of the pending job has finished (a retry skips them)."""
        await self._db.execute(
            "UPDATE jobs SET steps = ? WHERE key = ? AND done_at IS NULL",
            (json.dumps(sorted(steps)), key),
        )

    async def prune(self, jobs_before: datetime, messages_before: datetime) -> tuple[int, int]:
        """The retention sweep: jobs that ended (done or dropped) before `jobs_before`, and
        the redelivery marks of messages taken in before `messages_before`; how many of each
        went."""
        jobs_cut, messages_cut = to_iso(jobs_before), to_iso(messages_before)

        def sweep(conn: sqlite3.Connection) -> tuple[int, int]:
            jobs = conn.execute(
                "DELETE FROM jobs WHERE done_at IS NOT NULL AND done_at < ?", (jobs_cut,)
            ).rowcount
            messages = conn.execute(
                "DELETE FROM processed_messages WHERE seen_at < ?", (messages_cut,)
            ).rowcount
            return jobs, messages

        return await self._db.write(sweep)
