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

    async def set_locale(self, chat_id: int, locale: str | None) -> None:
        self._cache.pop(chat_id, None)
        await self._db.execute("UPDATE chats SET locale = ? WHERE id = ?", (locale, chat_id))

    async def set_timezone(self, chat_id: int, timezone: str | None) -> None:
        self._cache.pop(chat_id, None)
        await self._db.execute("UPDATE chats SET timezone = ? WHERE id = ?", (timezone, chat_id))
