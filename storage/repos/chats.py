"""Chats: the groups the bot has seen, their language, time zone and settings."""

from __future__ import annotations

import json

from storage import rows
from storage.db import Database, to_iso, utcnow
from storage.models import Chat
from storage.repos.base import Repo

CACHED_CHATS = 20_000


class ChatRepo(Repo):
    """Chats, each kept in memory once read (every group update asks for its settings);
    every write here drops the copy. This process is the database's only writer."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._cache: dict[int, Chat | None] = {}

    async def touch(self, chat_id: int, title: str, kind: str) -> None:
        """Record a chat the bot has seen (title refreshed)."""
        self._cache.pop(chat_id, None)
        await self._db.execute(
            "INSERT INTO chats (id, title, kind, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET title = excluded.title",
            (chat_id, title, kind, to_iso(utcnow())),
        )

    async def get(self, chat_id: int) -> Chat | None:
        if chat_id in self._cache:
            return self._cache[chat_id]
        found = await self._one(rows.chat, "SELECT * FROM chats WHERE id = ?", (chat_id,))
        if len(self._cache) >= CACHED_CHATS:
            self._cache.clear()
        self._cache[chat_id] = found
        return found

    async def update_settings(self, chat_id: int, **changes: object) -> None:
        """Merge keys into the chat's settings."""
        self._cache.pop(chat_id, None)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT settings FROM chats WHERE id = ?", (chat_id,)
            ) as cursor:
                row = await cursor.fetchone()
            settings = json.loads(row["settings"]) if row else {}
            settings.update(changes)
            await conn.execute(
                "UPDATE chats SET settings = ? WHERE id = ?", (json.dumps(settings), chat_id)
            )

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """Move everything of a group Telegram turned into a supergroup to the new id, in one
        transaction: settings, members, workshops (with their rounds and plan), the schedule.
        False when it had moved already. Pending chat jobs are the caller's to re-arm."""
        self._cache.pop(old_id, None)
        self._cache.pop(new_id, None)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT migrated_to FROM chats WHERE id = ?", (old_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and row["migrated_to"] is not None:
                return False
            now = to_iso(utcnow())
            await conn.execute(
                "INSERT INTO chats (id, title, kind, created_at) VALUES (?, '', 'group', ?) "
                "ON CONFLICT (id) DO NOTHING",
                (old_id, now),
            )
            # The new chat takes the old one's language, zone and settings unless it has its
            # own already.
            await conn.execute(
                "INSERT INTO chats (id, title, kind, locale, timezone, settings, created_at) "
                "SELECT ?, title, 'supergroup', locale, timezone, settings, ? FROM chats "
                "WHERE id = ? ON CONFLICT (id) DO UPDATE SET "
                "locale = coalesce(chats.locale, excluded.locale), "
                "timezone = coalesce(chats.timezone, excluded.timezone), "
                "settings = CASE WHEN chats.settings = '{}' THEN excluded.settings "
                "ELSE chats.settings END",
                (new_id, now, old_id),
            )
            await conn.execute(
                "INSERT INTO members (chat_id, user_id, last_seen) "
                "SELECT ?, user_id, last_seen FROM members WHERE chat_id = ? "
                "ON CONFLICT (chat_id, user_id) DO NOTHING",
                (new_id, old_id),
            )
            await conn.execute("DELETE FROM members WHERE chat_id = ?", (old_id,))
            await conn.execute(
                "UPDATE workshops SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
            )
            await conn.execute(
                "UPDATE touchpoints SET source_chat_id = ? WHERE source_chat_id = ?",
                (new_id, old_id),
            )
            await conn.execute(
                "UPDATE OR IGNORE schedules SET chat_id = ? WHERE chat_id = ?", (new_id, old_id)
            )
            await conn.execute("DELETE FROM schedules WHERE chat_id = ?", (old_id,))
            await conn.execute(
                "UPDATE OR IGNORE channel_corrections SET chat_id = ? WHERE chat_id = ?",
                (new_id, old_id),
            )
            await conn.execute("DELETE FROM channel_corrections WHERE chat_id = ?", (old_id,))
            await conn.execute(
                "UPDATE chats SET migrated_to = ?, paused = 0 WHERE id = ?", (new_id, old_id)
            )
        return True

    async def set_paused(self, chat_id: int, paused: bool) -> bool:
        """Pause or resume the chat's schedule and reminders; whether that changed anything."""
        self._cache.pop(chat_id, None)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE chats SET paused = ? WHERE id = ? AND paused != ?",
                (int(paused), chat_id, int(paused)),
            )
            return cursor.rowcount > 0

    async def set_locale(self, chat_id: int, locale: str | None) -> None:
        self._cache.pop(chat_id, None)
        await self._db.execute("UPDATE chats SET locale = ? WHERE id = ?", (locale, chat_id))

    async def set_timezone(self, chat_id: int, timezone: str | None) -> None:
        self._cache.pop(chat_id, None)
        await self._db.execute("UPDATE chats SET timezone = ? WHERE id = ?", (timezone, chat_id))
