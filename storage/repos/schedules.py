"""Re-evaluation schedules, one per chat."""

from __future__ import annotations

from datetime import datetime

from storage import rows
from storage.db import to_iso, utcnow
from storage.models import Schedule
from storage.repos.base import Repo


class ScheduleRepo(Repo):
    """One re-evaluation schedule per chat."""

    async def put(self, chat_id: int, spec: str, at_time: str, start_date: str) -> None:
        await self._db.execute(
            "INSERT INTO schedules (chat_id, spec, at_time, start_date, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET spec = excluded.spec, "
            "at_time = excluded.at_time, start_date = excluded.start_date, last_fire = NULL",
            (chat_id, spec, at_time, start_date, to_iso(utcnow())),
        )

    async def get(self, chat_id: int) -> Schedule | None:
        return await self._one(
            rows.schedule, "SELECT * FROM schedules WHERE chat_id = ?", (chat_id,)
        )

    async def delete(self, chat_id: int) -> None:
        await self._db.execute("DELETE FROM schedules WHERE chat_id = ?", (chat_id,))

    async def fired(self, chat_id: int, when: datetime) -> None:
        await self._db.execute(
            "UPDATE schedules SET last_fire = ? WHERE chat_id = ?", (to_iso(when), chat_id)
        )
