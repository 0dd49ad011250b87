"""Users: who the bot has seen, where, and whether it may write to them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from storage import rows
from storage.db import Database, to_iso, utcnow
from storage.models import User
from storage.repos.base import Repo

CACHED_CHOICES = 50_000


class UserRepo(Repo):
    def __init__(self, db: Database) -> None:
        super().__init__(db)
        # user id -> the language chosen with /settings in private (None: none chosen); read
        # on every private update, so kept after the first read.
        self._chosen: dict[int, str | None] = {}

    async def seen(
        self,
        user_id: int,
        username: str | None,
        full_name: str,
        language_code: str | None,
        chat_id: int | None = None,
        *,
        started: bool = False,
    ) -> None:
        """Remember a user (and, in a group, that they are a member of it)."""
        now = to_iso(utcnow())

        def batch(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO users (id, username, full_name, language_code, started_bot, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "username = excluded.username, full_name = excluded.full_name, "
                "language_code = excluded.language_code, updated_at = excluded.updated_at, "
                "started_bot = max(started_bot, excluded.started_bot), "
                "blocked_bot = CASE WHEN excluded.started_bot THEN 0 ELSE blocked_bot END",
                (user_id, username, full_name, language_code, int(started), now),
            )
            if chat_id is not None:
                conn.execute(
                    "INSERT INTO members (chat_id, user_id, last_seen) VALUES (?, ?, ?) "
                    "ON CONFLICT (chat_id, user_id) DO UPDATE SET last_seen = excluded.last_seen",
                    (chat_id, user_id, now),
                )

        await self._db.write(batch)

    async def get(self, user_id: int) -> User | None:
        return await self._one(rows.user, "SELECT * FROM users WHERE id = ?", (user_id,))

    async def many(self, user_ids: Sequence[int]) -> dict[int, User]:
        if not user_ids:
            return {}
        marks = ",".join("?" * len(user_ids))
        found = await self._db.fetchall(f"SELECT * FROM users WHERE id IN ({marks})", user_ids)
        return {row["id"]: rows.user(row) for row in found}

    async def member_by_username(self, chat_id: int, username: str) -> User | None:
        """A member of the chat the bot has seen, by @username (case-insensitive)."""
        return await self._one(
            rows.user,
            "SELECT u.* FROM users u JOIN members m ON m.user_id = u.id "
            "WHERE m.chat_id = ? AND lower(u.username) = lower(?)",
            (chat_id, username.removeprefix("@")),
        )

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the bot saw this user in the chat and has not seen them leave."""
        return bool(
            await self._count(
                "SELECT count(*) FROM members WHERE chat_id = ? AND user_id = ?",
                (chat_id, user_id),
            )
        )

    async def left(self, chat_id: int, user_id: int) -> None:
        """The user left the chat or was removed: no longer one of its members (for
        /start's open rounds and for owners by @username)."""
        await self._db.execute(
            "DELETE FROM members WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        )

    async def set_idea_box(self, user_id: int, workshop_id: int | None) -> None:
        await self._db.execute(
            "UPDATE users SET idea_box_workshop_id = ? WHERE id = ?", (workshop_id, user_id)
        )

    async def idea_box(self, user_id: int) -> int | None:
        """The workshop whose private idea box this user opened last."""
        row = await self._db.fetchone(
            "SELECT idea_box_workshop_id FROM users WHERE id = ?", (user_id,)
        )
        return int(row[0]) if row and row[0] is not None else None

    async def choose_locale(self, user_id: int, locale: str) -> None:
        """The language this user chose for the bot's private messages."""
        await self._db.execute(
            "UPDATE users SET chosen_locale = ? WHERE id = ?", (locale, user_id)
        )
        self._chosen[user_id] = locale

    async def chosen_locale(self, user_id: int) -> str | None:
        """The language this user chose with /settings in private, if any."""
        if user_id not in self._chosen:
            row = await self._db.fetchone(
                "SELECT chosen_locale FROM users WHERE id = ?", (user_id,)
            )
            if len(self._chosen) >= CACHED_CHOICES:
                self._chosen.clear()
            self._chosen[user_id] = row[0] if row else None
        return self._chosen[user_id]

    async def mark_blocked(self, user_id: int) -> None:
        await self._db.execute("UPDATE users SET blocked_bot = 1 WHERE id = ?", (user_id,))
