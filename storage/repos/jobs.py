"""Jobs: every deadline, reminder and scheduled fire, kept before it is timed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain import JobKind
from storage import rows
from storage.db import to_iso, utcnow
from storage.models import Job
from storage.repos.base import Repo

# Create or move a pending job; also used by the transactions that store a job together
# with what it is for (a workshop's bell, a round's deadline, a publication).
UPSERT_JOB = (
    "INSERT INTO jobs (key, kind, ref_id, run_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET run_at = excluded.run_at, done_at = NULL"
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
