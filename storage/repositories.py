"""Repositories: every SQL statement of the project lives here or in migrations."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain import JobKind, Phase, Stage
from storage.db import Database, from_iso, to_iso, utcnow
from storage.models import AddOutcome, Chat, Job, NewIdea, Touchpoint, User, Workshop

# A matcher gets the new idea's normalised text and the existing (id, norm) pairs and
# returns the id of the touchpoint it duplicates, or None. It is pure core logic.
Matcher = Callable[[str, Sequence[tuple[int, str]]], int | None]


def _dt(value: Any) -> datetime:
    moment = from_iso(value)
    assert moment is not None
    return moment


class ChatRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def touch(self, chat_id: int, title: str, kind: str) -> None:
        """Record a chat the bot has seen (title refreshed)."""
        await self._db.execute(
            "INSERT INTO chats (id, title, kind, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET title = excluded.title",
            (chat_id, title, kind, to_iso(utcnow())),
        )

    async def get(self, chat_id: int) -> Chat | None:
        row = await self._db.fetchone("SELECT * FROM chats WHERE id = ?", (chat_id,))
        if row is None:
            return None
        return Chat(
            id=row["id"],
            title=row["title"],
            locale=row["locale"],
            timezone=row["timezone"],
            settings=json.loads(row["settings"]),
        )

    async def update_settings(self, chat_id: int, **changes: object) -> None:
        """Merge keys into the chat's settings."""
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
        await self._db.execute("UPDATE chats SET locale = ? WHERE id = ?", (locale, chat_id))

    async def set_timezone(self, chat_id: int, timezone: str | None) -> None:
        await self._db.execute("UPDATE chats SET timezone = ? WHERE id = ?", (timezone, chat_id))


def _user(row: aiosqlite.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        full_name=row["full_name"],
        language_code=row["language_code"],
        started_bot=bool(row["started_bot"]),
        blocked_bot=bool(row["blocked_bot"]),
    )


class UserRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

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
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO users (id, username, full_name, language_code, started_bot, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "username = excluded.username, full_name = excluded.full_name, "
                "language_code = excluded.language_code, updated_at = excluded.updated_at, "
                "started_bot = max(started_bot, excluded.started_bot), "
                "blocked_bot = CASE WHEN excluded.started_bot THEN 0 ELSE blocked_bot END",
                (user_id, username, full_name, language_code, int(started), now),
            )
            if chat_id is not None:
                await conn.execute(
                    "INSERT INTO members (chat_id, user_id, last_seen) VALUES (?, ?, ?) "
                    "ON CONFLICT (chat_id, user_id) DO UPDATE SET last_seen = excluded.last_seen",
                    (chat_id, user_id, now),
                )

    async def get(self, user_id: int) -> User | None:
        row = await self._db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        return _user(row) if row else None

    async def many(self, user_ids: Sequence[int]) -> dict[int, User]:
        if not user_ids:
            return {}
        marks = ",".join("?" * len(user_ids))
        rows = await self._db.fetchall(f"SELECT * FROM users WHERE id IN ({marks})", user_ids)
        return {row["id"]: _user(row) for row in rows}

    async def member_by_username(self, chat_id: int, username: str) -> User | None:
        """A member of the chat the bot has seen, by @username (case-insensitive)."""
        row = await self._db.fetchone(
            "SELECT u.* FROM users u JOIN members m ON m.user_id = u.id "
            "WHERE m.chat_id = ? AND lower(u.username) = lower(?)",
            (chat_id, username.removeprefix("@")),
        )
        return _user(row) if row else None

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

    async def mark_blocked(self, user_id: int) -> None:
        await self._db.execute("UPDATE users SET blocked_bot = 1 WHERE id = ?", (user_id,))


def _workshop(row: aiosqlite.Row) -> Workshop:
    return Workshop(
        id=row["id"],
        chat_id=row["chat_id"],
        topic=row["topic"],
        facilitator_id=row["facilitator_id"],
        locale=row["locale"],
        phase=Phase(row["phase"]),
        idea_token=row["idea_token"],
        board_message_id=row["board_message_id"],
        started_at=_dt(row["started_at"]),
        deadline=from_iso(row["deadline"]),
        ended_at=from_iso(row["ended_at"]),
    )


_ACTIVE = tuple(phase.value for phase in Phase if phase.active)


class WorkshopRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        chat_id: int,
        topic: str,
        facilitator_id: int,
        locale: str,
        idea_token: str,
        deadline: datetime,
    ) -> Workshop | None:
        """Start a brainstorm; None when the chat already has an active workshop."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"SELECT 1 FROM workshops WHERE chat_id = ? AND phase IN "
                f"({','.join('?' * len(_ACTIVE))})",
                (chat_id, *_ACTIVE),
            ) as cursor:
                if await cursor.fetchone():
                    return None
            cursor = await conn.execute(
                "INSERT INTO workshops (chat_id, topic, facilitator_id, locale, phase, "
                "idea_token, started_at, deadline) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    topic,
                    facilitator_id,
                    locale,
                    Phase.BRAINSTORM.value,
                    idea_token,
                    to_iso(utcnow()),
                    to_iso(deadline),
                ),
            )
            workshop_id = cursor.lastrowid
        found = await self.get(workshop_id or 0)
        assert found is not None
        return found

    async def get(self, workshop_id: int) -> Workshop | None:
        row = await self._db.fetchone("SELECT * FROM workshops WHERE id = ?", (workshop_id,))
        return _workshop(row) if row else None

    async def by_idea_token(self, token: str) -> Workshop | None:
        row = await self._db.fetchone("SELECT * FROM workshops WHERE idea_token = ?", (token,))
        return _workshop(row) if row else None

    async def active(self, chat_id: int) -> Workshop | None:
        row = await self._db.fetchone(
            f"SELECT * FROM workshops WHERE chat_id = ? AND phase IN "
            f"({','.join('?' * len(_ACTIVE))}) ORDER BY id DESC LIMIT 1",
            (chat_id, *_ACTIVE),
        )
        return _workshop(row) if row else None

    async def latest(self, chat_id: int) -> Workshop | None:
        """The chat's newest workshop that was not cancelled."""
        row = await self._db.fetchone(
            "SELECT * FROM workshops WHERE chat_id = ? AND phase != ? ORDER BY id DESC LIMIT 1",
            (chat_id, Phase.CANCELLED.value),
        )
        return _workshop(row) if row else None

    async def in_phase(self, phase: Phase) -> list[Workshop]:
        rows = await self._db.fetchall("SELECT * FROM workshops WHERE phase = ?", (phase.value,))
        return [_workshop(row) for row in rows]

    async def set_phase(
        self, workshop_id: int, phase: Phase, *, expected: Sequence[Phase] = ()
    ) -> bool:
        """Move to a phase; with `expected`, only from one of those (False otherwise)."""
        sql = "UPDATE workshops SET phase = ?, ended_at = ? WHERE id = ?"
        params: list[Any] = [
            phase.value,
            to_iso(utcnow()) if phase in (Phase.REVIEW, Phase.CANCELLED) else None,
            workshop_id,
        ]
        if phase is Phase.RATING or phase is Phase.RESULTS:
            sql = "UPDATE workshops SET phase = ? WHERE id = ?"
            params = [phase.value, workshop_id]
        if expected:
            sql += f" AND phase IN ({','.join('?' * len(expected))})"
            params.extend(p.value for p in expected)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(sql, params)
            return cursor.rowcount > 0

    async def set_deadline(self, workshop_id: int, deadline: datetime) -> None:
        await self._db.execute(
            "UPDATE workshops SET deadline = ? WHERE id = ?", (to_iso(deadline), workshop_id)
        )

    async def set_board(self, workshop_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE workshops SET board_message_id = ? WHERE id = ?", (message_id, workshop_id)
        )


_TOUCHPOINT_SELECT = (
    "SELECT t.*, (SELECT count(*) FROM contributions c WHERE c.touchpoint_id = t.id) AS votes, "
    "(SELECT group_concat(c.user_id) FROM contributions c WHERE c.touchpoint_id = t.id) "
    "AS who FROM touchpoints t"
)


def _touchpoint(row: aiosqlite.Row) -> Touchpoint:
    who = row["who"] or ""
    return Touchpoint(
        id=row["id"],
        workshop_id=row["workshop_id"],
        number=row["position"],
        text=row["text"],
        norm=row["norm"],
        stage=Stage(row["stage"]),
        author_id=row["author_id"],
        shortlisted=bool(row["shortlisted"]),
        votes=row["votes"],
        contributors=tuple(sorted(int(part) for part in who.split(",") if part)),
    )


class TouchpointRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def live(self, workshop_id: int) -> list[Touchpoint]:
        """The workshop's live touchpoints (not dropped), by number."""
        rows = await self._db.fetchall(
            f"{_TOUCHPOINT_SELECT} WHERE t.workshop_id = ? AND t.dropped = 0 ORDER BY t.position",
            (workshop_id,),
        )
        return [_touchpoint(row) for row in rows]

    async def by_number(self, workshop_id: int, number: int) -> Touchpoint | None:
        row = await self._db.fetchone(
            f"{_TOUCHPOINT_SELECT} WHERE t.workshop_id = ? AND t.position = ? AND t.dropped = 0",
            (workshop_id, number),
        )
        return _touchpoint(row) if row else None

    async def contributors(self, workshop_id: int) -> list[int]:
        """Everyone who contributed openly (anonymous idea-box authors excluded)."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT c.user_id FROM contributions c JOIN touchpoints t "
            "ON t.id = c.touchpoint_id WHERE t.workshop_id = ? AND c.anonymous = 0",
            (workshop_id,),
        )
        return [row[0] for row in rows]

    async def contributor_count(self, workshop_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT count(DISTINCT c.user_id) FROM contributions c JOIN touchpoints t "
            "ON t.id = c.touchpoint_id WHERE t.workshop_id = ?",
            (workshop_id,),
        )
        return int(row[0]) if row else 0

    async def add_ideas(
        self,
        workshop_id: int,
        user_id: int,
        ideas: Sequence[NewIdea],
        matcher: Matcher,
        *,
        limit: int,
        source: tuple[int, int] | None = None,
        anonymous: bool = False,
    ) -> AddOutcome:
        """Store one message's ideas atomically, merging duplicates into +1s.

        With `source` (chat id, message id) a message already processed adds nothing.
        """
        added: list[int] = []
        plus: list[int] = []
        over: list[str] = []
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT phase FROM workshops WHERE id = ?", (workshop_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row["phase"] != Phase.BRAINSTORM.value:
                return AddOutcome(workshop_closed=True)
            if source is not None:
                cursor = await conn.execute(
                    "INSERT OR IGNORE INTO processed_messages (chat_id, message_id, "
                    "workshop_id) VALUES (?, ?, ?)",
                    (*source, workshop_id),
                )
                if cursor.rowcount == 0:
                    return AddOutcome(already_seen=True)
            async with conn.execute(
                "SELECT id, norm FROM touchpoints WHERE workshop_id = ? AND dropped = 0 "
                "ORDER BY position",
                (workshop_id,),
            ) as cursor:
                existing: list[tuple[int, str]] = [(r[0], r[1]) for r in await cursor.fetchall()]
            async with conn.execute(
                "SELECT coalesce(max(position), 0) FROM touchpoints WHERE workshop_id = ?",
                (workshop_id,),
            ) as cursor:
                last = await cursor.fetchone()
            position = int(last[0]) if last else 0
            for idea in ideas:
                match = matcher(idea.norm, existing)
                if match is not None:
                    await conn.execute(
                        "INSERT OR IGNORE INTO contributions (touchpoint_id, user_id, anonymous) "
                        "VALUES (?, ?, ?)",
                        (match, user_id, int(anonymous)),
                    )
                    if match not in plus and match not in added:
                        plus.append(match)
                    continue
                if len(existing) >= limit:
                    over.append(idea.text)
                    continue
                position += 1
                cursor = await conn.execute(
                    "INSERT INTO touchpoints (workshop_id, text, norm, stage, author_id, "
                    "source_chat_id, source_message_id, position, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        workshop_id,
                        idea.text,
                        idea.norm,
                        idea.stage.value,
                        user_id,
                        source[0] if source else None,
                        source[1] if source else None,
                        position,
                        to_iso(utcnow()),
                    ),
                )
                new_id = cursor.lastrowid or 0
                await conn.execute(
                    "INSERT INTO contributions (touchpoint_id, user_id, anonymous) "
                    "VALUES (?, ?, ?)",
                    (new_id, user_id, int(anonymous)),
                )
                existing.append((new_id, idea.norm))
                added.append(new_id)
        by_id = {tp.id: tp for tp in await self.live(workshop_id)}
        return AddOutcome(
            added=tuple(by_id[i] for i in added if i in by_id),
            plus_ones=tuple(by_id[i] for i in plus if i in by_id),
            over_limit=tuple(over),
        )

    async def drop(self, touchpoint_id: int) -> None:
        await self._db.execute(
            "UPDATE touchpoints SET dropped = 1, shortlisted = 0 WHERE id = ?", (touchpoint_id,)
        )

    async def rename(self, touchpoint_id: int, text: str, norm: str) -> None:
        await self._db.execute(
            "UPDATE touchpoints SET text = ?, norm = ? WHERE id = ?", (text, norm, touchpoint_id)
        )

    async def merge(self, keep_id: int, gone_id: int) -> None:
        """Fold one touchpoint into another, keeping every contributor."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO contributions (touchpoint_id, user_id, anonymous) "
                "SELECT ?, user_id, anonymous FROM contributions WHERE touchpoint_id = ?",
                (keep_id, gone_id),
            )
            await conn.execute(
                "UPDATE touchpoints SET dropped = 1, shortlisted = 0 WHERE id = ?", (gone_id,)
            )

    async def set_shortlist(self, workshop_id: int, touchpoint_ids: Sequence[int]) -> None:
        """Make exactly these touchpoints the shortlist."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE touchpoints SET shortlisted = 0 WHERE workshop_id = ?", (workshop_id,)
            )
            await conn.executemany(
                "UPDATE touchpoints SET shortlisted = 1 WHERE id = ? AND workshop_id = ? "
                "AND dropped = 0",
                [(tp_id, workshop_id) for tp_id in touchpoint_ids],
            )

    async def toggle_shortlisted(self, workshop_id: int, touchpoint_id: int) -> None:
        await self._db.execute(
            "UPDATE touchpoints SET shortlisted = 1 - shortlisted WHERE id = ? "
            "AND workshop_id = ? AND dropped = 0",
            (touchpoint_id, workshop_id),
        )


class JobRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, key: str, kind: JobKind, ref_id: int, run_at: datetime) -> None:
        """Create or move a pending job."""
        await self._db.execute(
            "INSERT INTO jobs (key, kind, ref_id, run_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET run_at = excluded.run_at, done_at = NULL",
            (key, kind.value, ref_id, to_iso(run_at)),
        )

    async def pending(self) -> list[Job]:
        rows = await self._db.fetchall(
            "SELECT * FROM jobs WHERE done_at IS NULL ORDER BY run_at, key"
        )
        return [
            Job(key=r["key"], kind=JobKind(r["kind"]), ref_id=r["ref_id"], run_at=_dt(r["run_at"]))
            for r in rows
        ]

    async def get(self, key: str) -> Job | None:
        row = await self._db.fetchone("SELECT * FROM jobs WHERE key = ?", (key,))
        if row is None or row["done_at"] is not None:
            return None
        return Job(
            key=row["key"],
            kind=JobKind(row["kind"]),
            ref_id=row["ref_id"],
            run_at=_dt(row["run_at"]),
        )

    async def finish(self, key: str) -> bool:
        """Mark a job done; False when it was already done (so it runs once)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE jobs SET done_at = ? WHERE key = ? AND done_at IS NULL",
                (to_iso(utcnow()), key),
            )
            return cursor.rowcount > 0

    async def cancel_for(self, ref_keys: Sequence[str]) -> None:
        """Drop pending jobs by key."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM jobs WHERE key = ? AND done_at IS NULL", [(k,) for k in ref_keys]
            )
