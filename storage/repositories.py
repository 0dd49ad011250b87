"""Repositories: every SQL statement of the project lives here or in migrations."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain import Criterion, JobKind, Phase, RoundStatus, Stage
from storage.db import Database, from_iso, to_iso, utcnow
from storage.models import (
    AddOutcome,
    Chat,
    Job,
    NewIdea,
    PlanItem,
    Rater,
    Rating,
    Round,
    RoundItem,
    Schedule,
    Touchpoint,
    User,
    Workshop,
)

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
        """End the brainstorm (REVIEW) or the workshop (CANCELLED); with `expected`, only
        from one of those phases (False otherwise). Rounds move to RATING and RESULTS."""
        if phase not in (Phase.REVIEW, Phase.CANCELLED):
            raise ValueError(f"set_phase handles review and cancel, not {phase}")
        sql = "UPDATE workshops SET phase = ?, ended_at = ? WHERE id = ?"
        params: list[Any] = [phase.value, to_iso(utcnow()), workshop_id]
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
        phases: Sequence[Phase] = (Phase.BRAINSTORM,),
        shortlist_up_to: int | None = None,
    ) -> AddOutcome:
        """Store one message's ideas atomically, merging duplicates into +1s.

        With `source` (chat id, message id) a message already processed adds nothing.
        With `shortlist_up_to`, new touchpoints join the shortlist while it has room
        (touchpoints added after a round, for the next one).
        """
        added: list[int] = []
        plus: list[int] = []
        over: list[str] = []
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT phase FROM workshops WHERE id = ?", (workshop_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row["phase"] not in {p.value for p in phases}:
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
                if shortlist_up_to is not None:
                    await conn.execute(
                        "UPDATE touchpoints SET shortlisted = 1 WHERE id = ? AND (SELECT "
                        "count(*) FROM touchpoints WHERE workshop_id = ? AND shortlisted = 1 "
                        "AND dropped = 0) < ?",
                        (new_id, workshop_id, shortlist_up_to),
                    )
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
        rows = await self._db.fetchall(
            "SELECT key FROM jobs WHERE done_at IS NULL AND key LIKE ? ESCAPE '\\'",
            (prefix.replace("_", "\\_").replace("%", "\\%") + "%",),
        )
        return [row[0] for row in rows]

    async def cancel_for(self, ref_keys: Sequence[str]) -> None:
        """Drop pending jobs by key."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                "DELETE FROM jobs WHERE key = ? AND done_at IS NULL", [(k,) for k in ref_keys]
            )


def _round(row: aiosqlite.Row) -> Round:
    return Round(
        id=row["id"],
        workshop_id=row["workshop_id"],
        number=row["number"],
        token=row["token"],
        status=RoundStatus(row["status"]),
        opened_at=_dt(row["opened_at"]),
        deadline=_dt(row["deadline"]),
        closed_at=from_iso(row["closed_at"]),
        message_id=row["message_id"],
        results_shown=bool(row["results_shown"]),
    )


def _rater(row: aiosqlite.Row) -> Rater:
    return Rater(
        round_id=row["round_id"],
        user_id=row["user_id"],
        wizard_message_id=row["wizard_message_id"],
        started_at=_dt(row["started_at"]),
        finished_at=from_iso(row["finished_at"]),
    )


class RoundRepo:
    """Rating rounds, their spokes, raters and answers."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(
        self, workshop_id: int, token: str, deadline: datetime, touchpoint_ids: Sequence[int]
    ) -> Round | None:
        """Open the next round on these touchpoints and move the workshop to rating.

        None when a round of this workshop is already open.
        """
        now = to_iso(utcnow())
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT 1 FROM rounds WHERE workshop_id = ? AND status = ?",
                (workshop_id, RoundStatus.OPEN.value),
            ) as cursor:
                if await cursor.fetchone():
                    return None
            async with conn.execute(
                "SELECT coalesce(max(number), 0) + 1 FROM rounds WHERE workshop_id = ?",
                (workshop_id,),
            ) as cursor:
                row = await cursor.fetchone()
            number = int(row[0]) if row else 1
            cursor = await conn.execute(
                "INSERT INTO rounds (workshop_id, number, token, status, opened_at, deadline) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (workshop_id, number, token, RoundStatus.OPEN.value, now, to_iso(deadline)),
            )
            round_id = cursor.lastrowid or 0
            await conn.executemany(
                "INSERT INTO round_items (round_id, touchpoint_id, position) VALUES (?, ?, ?)",
                [(round_id, tp_id, pos) for pos, tp_id in enumerate(touchpoint_ids, start=1)],
            )
            await conn.execute(
                "UPDATE workshops SET phase = ? WHERE id = ?", (Phase.RATING.value, workshop_id)
            )
        found = await self.get(round_id)
        assert found is not None
        return found

    async def get(self, round_id: int) -> Round | None:
        row = await self._db.fetchone("SELECT * FROM rounds WHERE id = ?", (round_id,))
        return _round(row) if row else None

    async def by_token(self, token: str) -> Round | None:
        row = await self._db.fetchone("SELECT * FROM rounds WHERE token = ?", (token,))
        return _round(row) if row else None

    async def for_workshop(self, workshop_id: int) -> list[Round]:
        rows = await self._db.fetchall(
            "SELECT * FROM rounds WHERE workshop_id = ? ORDER BY number", (workshop_id,)
        )
        return [_round(row) for row in rows]

    async def open_rounds(self) -> list[Round]:
        rows = await self._db.fetchall(
            "SELECT * FROM rounds WHERE status = ?", (RoundStatus.OPEN.value,)
        )
        return [_round(row) for row in rows]

    async def open_for_member(self, user_id: int) -> list[tuple[Round, str]]:
        """Open rounds in the chats where this user was seen, with each chat's title."""
        rows = await self._db.fetchall(
            "SELECT r.*, coalesce(nullif(w.topic, ''), c.title) AS label FROM rounds r "
            "JOIN workshops w ON w.id = r.workshop_id JOIN chats c ON c.id = w.chat_id "
            "JOIN members m ON m.chat_id = w.chat_id AND m.user_id = ? "
            "WHERE r.status = ? ORDER BY r.deadline",
            (user_id, RoundStatus.OPEN.value),
        )
        return [(_round(row), row["label"]) for row in rows]

    async def set_message(self, round_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE rounds SET message_id = ? WHERE id = ?", (message_id, round_id)
        )

    async def set_deadline(self, round_id: int, deadline: datetime) -> None:
        await self._db.execute(
            "UPDATE rounds SET deadline = ? WHERE id = ?", (to_iso(deadline), round_id)
        )

    async def close(self, round_id: int, *, show_anyway: bool = False) -> bool:
        """Close an open round (False when it was closed already) and show the results."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE rounds SET status = ?, closed_at = ?, results_shown = ? "
                "WHERE id = ? AND status = ?",
                (
                    RoundStatus.CLOSED.value,
                    to_iso(utcnow()),
                    int(show_anyway),
                    round_id,
                    RoundStatus.OPEN.value,
                ),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE workshops SET phase = ? WHERE id = "
                "(SELECT workshop_id FROM rounds WHERE id = ?) AND phase = ?",
                (Phase.RESULTS.value, round_id, Phase.RATING.value),
            )
            return True

    async def show_results(self, round_id: int) -> None:
        await self._db.execute("UPDATE rounds SET results_shown = 1 WHERE id = ?", (round_id,))

    async def items(self, round_id: int) -> list[RoundItem]:
        rows = await self._db.fetchall(
            "SELECT ri.position, ri.touchpoint_id, t.position AS list_number, t.text, t.stage "
            "FROM round_items ri JOIN touchpoints t ON t.id = ri.touchpoint_id "
            "WHERE ri.round_id = ? ORDER BY ri.position",
            (round_id,),
        )
        return [
            RoundItem(
                position=row["position"],
                touchpoint_id=row["touchpoint_id"],
                list_number=row["list_number"],
                text=row["text"],
                stage=Stage(row["stage"]),
            )
            for row in rows
        ]

    async def start_rater(self, round_id: int, user_id: int) -> Rater:
        await self._db.execute(
            "INSERT OR IGNORE INTO raters (round_id, user_id, started_at) VALUES (?, ?, ?)",
            (round_id, user_id, to_iso(utcnow())),
        )
        rater = await self.rater(round_id, user_id)
        assert rater is not None
        return rater

    async def rater(self, round_id: int, user_id: int) -> Rater | None:
        row = await self._db.fetchone(
            "SELECT * FROM raters WHERE round_id = ? AND user_id = ?", (round_id, user_id)
        )
        return _rater(row) if row else None

    async def raters(self, round_id: int) -> list[Rater]:
        rows = await self._db.fetchall(
            "SELECT * FROM raters WHERE round_id = ? ORDER BY started_at, user_id", (round_id,)
        )
        return [_rater(row) for row in rows]

    async def set_wizard_message(self, round_id: int, user_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE raters SET wizard_message_id = ? WHERE round_id = ? AND user_id = ?",
            (message_id, round_id, user_id),
        )

    async def set_finished(self, round_id: int, user_id: int, finished: bool) -> None:
        await self._db.execute(
            "UPDATE raters SET finished_at = ? WHERE round_id = ? AND user_id = ?",
            (to_iso(utcnow()) if finished else None, round_id, user_id),
        )

    async def answer(
        self,
        round_id: int,
        touchpoint_id: int,
        rater_id: int,
        criterion: Criterion,
        value: int | None,
        source: str = "team",
    ) -> bool:
        """Store one answer (None = skipped), overwriting; False when the round is closed."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT status FROM rounds WHERE id = ?", (round_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None or row["status"] != RoundStatus.OPEN.value:
                return False
            await conn.execute(
                "INSERT INTO ratings (round_id, touchpoint_id, rater_id, criterion, value, "
                "source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (round_id, touchpoint_id, rater_id, criterion) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at",
                (
                    round_id,
                    touchpoint_id,
                    rater_id,
                    criterion.value,
                    value,
                    source,
                    to_iso(utcnow()),
                ),
            )
            return True

    async def answers(
        self, round_id: int, rater_id: int
    ) -> dict[tuple[int, Criterion], int | None]:
        """This rater's answers: (touchpoint id, criterion) -> value (None = skipped)."""
        rows = await self._db.fetchall(
            "SELECT touchpoint_id, criterion, value FROM ratings "
            "WHERE round_id = ? AND rater_id = ?",
            (round_id, rater_id),
        )
        return {(row[0], Criterion(row[1])): row[2] for row in rows}

    async def ratings(self, round_id: int) -> list[Rating]:
        rows = await self._db.fetchall(
            "SELECT * FROM ratings WHERE round_id = ? ORDER BY rater_id, touchpoint_id, criterion",
            (round_id,),
        )
        return [
            Rating(
                round_id=row["round_id"],
                touchpoint_id=row["touchpoint_id"],
                rater_id=row["rater_id"],
                criterion=Criterion(row["criterion"]),
                value=row["value"],
                source=row["source"],
            )
            for row in rows
        ]

    async def rater_count(self, round_id: int) -> int:
        """People who gave at least one real (not skipped) answer."""
        row = await self._db.fetchone(
            "SELECT count(DISTINCT rater_id) FROM ratings WHERE round_id = ? "
            "AND value IS NOT NULL AND source = 'team'",
            (round_id,),
        )
        return int(row[0]) if row else 0


def _plan_item(row: aiosqlite.Row) -> PlanItem:
    return PlanItem(
        id=row["id"],
        workshop_id=row["workshop_id"],
        round_id=row["round_id"],
        touchpoint_id=row["touchpoint_id"],
        position=row["position"],
        criterion=Criterion(row["criterion"]),
        action=row["action"],
        owner_id=row["owner_id"],
        due_date=row["due_date"],
        done_at=from_iso(row["done_at"]),
    )


class PlanRepo:
    """Action plan items: one per weak spoke of a round, with owner, due date and status."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace(
        self, workshop_id: int, round_id: int, items: Sequence[tuple[int, Criterion, str]]
    ) -> None:
        """Set the round's plan (touchpoint id, weakest criterion, action), keeping owners,
        due dates and done marks of touchpoints that were already on an earlier plan."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT touchpoint_id, owner_id, due_date, done_at FROM plan_items "
                "WHERE workshop_id = ? AND round_id != ? ORDER BY round_id",
                (workshop_id, round_id),
            ) as cursor:
                carried = {row[0]: (row[1], row[2], row[3]) for row in await cursor.fetchall()}
            await conn.execute("DELETE FROM plan_items WHERE round_id = ?", (round_id,))
            for position, (tp_id, criterion, action) in enumerate(items, start=1):
                owner, due, done = carried.get(tp_id, (None, None, None))
                await conn.execute(
                    "INSERT INTO plan_items (workshop_id, round_id, touchpoint_id, position, "
                    "criterion, action, owner_id, due_date, done_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        workshop_id,
                        round_id,
                        tp_id,
                        position,
                        criterion.value,
                        action,
                        owner,
                        due,
                        done,
                    ),
                )

    async def for_round(self, round_id: int) -> list[PlanItem]:
        rows = await self._db.fetchall(
            "SELECT * FROM plan_items WHERE round_id = ? ORDER BY position", (round_id,)
        )
        return [_plan_item(row) for row in rows]

    async def set_owner(self, item_id: int, owner_id: int | None) -> None:
        await self._db.execute(
            "UPDATE plan_items SET owner_id = ? WHERE id = ?", (owner_id, item_id)
        )

    async def set_due(self, item_id: int, due_date: str | None) -> None:
        """A new due date also re-arms its reminder."""
        await self._db.execute(
            "UPDATE plan_items SET due_date = ?, reminded_at = NULL WHERE id = ?",
            (due_date, item_id),
        )

    async def current(self, workshop_id: int) -> list[PlanItem]:
        """The plan of the workshop's latest round that has one."""
        rows = await self._db.fetchall(
            "SELECT * FROM plan_items WHERE round_id = (SELECT max(round_id) FROM plan_items "
            "WHERE workshop_id = ?) ORDER BY position",
            (workshop_id,),
        )
        return [_plan_item(row) for row in rows]

    async def due_unreminded(self, workshop_id: int, today: str) -> list[PlanItem]:
        """Open items of the current plan due today or earlier that were not reminded yet."""
        rows = await self._db.fetchall(
            "SELECT * FROM plan_items WHERE round_id = (SELECT max(round_id) FROM plan_items "
            "WHERE workshop_id = ?) AND due_date IS NOT NULL AND due_date <= ? "
            "AND done_at IS NULL AND reminded_at IS NULL ORDER BY position",
            (workshop_id, today),
        )
        return [_plan_item(row) for row in rows]

    async def mark_reminded(self, item_ids: Sequence[int]) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE plan_items SET reminded_at = ? WHERE id = ?",
                [(to_iso(utcnow()), item_id) for item_id in item_ids],
            )

    async def set_done(self, item_id: int, done: bool) -> None:
        await self._db.execute(
            "UPDATE plan_items SET done_at = ? WHERE id = ?",
            (to_iso(utcnow()) if done else None, item_id),
        )


class ScheduleRepo:
    """One re-evaluation schedule per chat."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, chat_id: int, spec: str, at_time: str, start_date: str) -> None:
        await self._db.execute(
            "INSERT INTO schedules (chat_id, spec, at_time, start_date, created_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET spec = excluded.spec, "
            "at_time = excluded.at_time, start_date = excluded.start_date, last_fire = NULL",
            (chat_id, spec, at_time, start_date, to_iso(utcnow())),
        )

    async def get(self, chat_id: int) -> Schedule | None:
        row = await self._db.fetchone("SELECT * FROM schedules WHERE chat_id = ?", (chat_id,))
        if row is None:
            return None
        return Schedule(
            chat_id=row["chat_id"],
            spec=row["spec"],
            at_time=row["at_time"],
            start_date=row["start_date"],
            last_fire=from_iso(row["last_fire"]),
            created_at=_dt(row["created_at"]),
        )

    async def delete(self, chat_id: int) -> None:
        await self._db.execute("DELETE FROM schedules WHERE chat_id = ?", (chat_id,))

    async def fired(self, chat_id: int, when: datetime) -> None:
        await self._db.execute(
            "UPDATE schedules SET last_fire = ? WHERE chat_id = ?", (to_iso(when), chat_id)
        )
