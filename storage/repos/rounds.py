"""Rating rounds, their spokes, raters and answers."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from bot.domain import TEAM, Criterion, Phase, RoundStatus
from storage import rows
from storage.db import Database, to_iso, utcnow
from storage.models import Answers, Rater, RaterState, Rating, Round, RoundItem
from storage.repos.base import Repo
from storage.repos.jobs import UPSERT_JOB
from storage.repos.workshops import change_phase, phase_change

CACHED_ROUNDS = 5_000
ITEMS_SQL = (
    "SELECT ri.position, ri.touchpoint_id, t.position AS number, t.text, t.stage "
    "FROM round_items ri JOIN touchpoints t ON t.id = ri.touchpoint_id "
    "WHERE ri.round_id = ? ORDER BY ri.position"
)
ANSWERS_SQL = (
    "SELECT touchpoint_id, criterion, value FROM ratings WHERE round_id = ? AND rater_id = ?"
)


class RoundRepo(Repo):
    """Rating rounds, their spokes, raters and answers."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._items: dict[int, tuple[RoundItem, ...]] = {}

    async def open(
        self,
        workshop_id: int,
        token: str,
        deadline: datetime,
        touchpoint_ids: Sequence[int],
        members: int | None = None,
        timers: Callable[[int], Sequence[tuple[str, str, datetime]]] = lambda _id: (),
    ) -> Round | None:
        """Open the next round on these touchpoints and move the workshop to rating; the
        length kept for it from /rate is used up.

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
                "INSERT INTO rounds (workshop_id, number, token, status, opened_at, deadline, "
                "members) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    workshop_id,
                    number,
                    token,
                    RoundStatus.OPEN.value,
                    now,
                    to_iso(deadline),
                    members,
                ),
            )
            round_id = cursor.lastrowid or 0
            await conn.executemany(
                "INSERT INTO round_items (round_id, touchpoint_id, position) VALUES (?, ?, ?)",
                [(round_id, tp_id, pos) for pos, tp_id in enumerate(touchpoint_ids, start=1)],
            )
            await conn.executemany(
                UPSERT_JOB,
                [(key, kind, round_id, to_iso(when)) for key, kind, when in timers(round_id)],
            )
            await change_phase(conn, workshop_id, Phase.RATING)
            await conn.execute(
                "UPDATE workshops SET round_seconds = NULL WHERE id = ?", (workshop_id,)
            )
        found = await self.get(round_id)
        assert found is not None
        return found

    async def get(self, round_id: int) -> Round | None:
        return await self._one(rows.round_, "SELECT * FROM rounds WHERE id = ?", (round_id,))

    async def by_token(self, token: str) -> Round | None:
        return await self._one(rows.round_, "SELECT * FROM rounds WHERE token = ?", (token,))

    async def for_workshop(self, workshop_id: int) -> list[Round]:
        return await self._all(
            rows.round_,
            "SELECT * FROM rounds WHERE workshop_id = ? ORDER BY number",
            (workshop_id,),
        )

    async def open_rounds(self) -> list[Round]:
        return await self._all(
            rows.round_, "SELECT * FROM rounds WHERE status = ?", (RoundStatus.OPEN.value,)
        )

    async def count_open(self) -> int:
        return await self._count(
            "SELECT count(*) FROM rounds WHERE status = ?", (RoundStatus.OPEN.value,)
        )

    async def open_for_member(self, user_id: int) -> list[tuple[Round, str]]:
        """Open rounds in the chats where this user was seen, with each chat's title."""
        found = await self._db.fetchall(
            "SELECT r.*, coalesce(nullif(w.topic, ''), c.title) AS label FROM rounds r "
            "JOIN workshops w ON w.id = r.workshop_id JOIN chats c ON c.id = w.chat_id "
            "JOIN members m ON m.chat_id = w.chat_id AND m.user_id = ? "
            "WHERE r.status = ? ORDER BY r.deadline",
            (user_id, RoundStatus.OPEN.value),
        )
        return [(rows.round_(row), row["label"]) for row in found]

    async def set_message(self, round_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE rounds SET message_id = ? WHERE id = ?", (message_id, round_id)
        )

    async def set_members(self, round_id: int, members: int) -> None:
        await self._db.execute("UPDATE rounds SET members = ? WHERE id = ?", (members, round_id))

    async def offer_close(self, round_id: int) -> bool:
        """Claim the round's one "Close now" offer: False when it was made already."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE rounds SET close_offer_message_id = 0 WHERE id = ? "
                "AND close_offer_message_id IS NULL AND status = ?",
                (round_id, RoundStatus.OPEN.value),
            )
            return cursor.rowcount > 0

    async def set_close_offer(self, round_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE rounds SET close_offer_message_id = ? WHERE id = ?", (message_id, round_id)
        )

    async def set_results_message(self, round_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE rounds SET results_message_id = ? WHERE id = ?", (message_id, round_id)
        )

    async def set_deadline(self, round_id: int, deadline: datetime) -> None:
        await self._db.execute(
            "UPDATE rounds SET deadline = ? WHERE id = ?", (to_iso(deadline), round_id)
        )

    async def close(
        self,
        round_id: int,
        *,
        show_anyway: bool = False,
        publish: tuple[str, str] | None = None,
        drop_jobs: Sequence[str] = (),
    ) -> bool:
        """Close an open round (False when it was closed already) and show the results; in
        the same transaction, store the job that publishes them (`publish`: its key and
        kind, due now) and drop the round's timers (`drop_jobs`)."""
        now = to_iso(utcnow())

        def batch(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE rounds SET status = ?, closed_at = ?, results_shown = ? "
                "WHERE id = ? AND status = ?",
                (
                    RoundStatus.CLOSED.value,
                    now,
                    int(show_anyway),
                    round_id,
                    RoundStatus.OPEN.value,
                ),
            )
            if cursor.rowcount == 0:
                return False
            row = conn.execute(
                "SELECT workshop_id FROM rounds WHERE id = ?", (round_id,)
            ).fetchone()
            if row is not None:
                conn.execute(*phase_change(row[0], Phase.RESULTS, expected=[Phase.RATING]))
            conn.executemany(
                "DELETE FROM jobs WHERE key = ? AND done_at IS NULL", [(k,) for k in drop_jobs]
            )
            if publish is not None:
                conn.execute(
                    UPSERT_JOB,
                    (publish[0], publish[1], round_id, now),
                )
            return True

        return await self._db.write(batch)

    async def set_report_message(self, round_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE rounds SET report_message_id = ? WHERE id = ?", (message_id, round_id)
        )

    async def set_published(self, round_id: int) -> None:
        await self._db.execute("UPDATE rounds SET published = 1 WHERE id = ?", (round_id,))

    async def show_results(self, round_id: int) -> None:
        await self._db.execute("UPDATE rounds SET results_shown = 1 WHERE id = ?", (round_id,))

    async def items(self, round_id: int) -> list[RoundItem]:
        """The round's spokes in wheel order. They are fixed when the round opens (the list
        cannot be edited while rating), so they are read once and kept."""
        cached = self._items.get(round_id)
        if cached is not None:
            return list(cached)
        found = await self._all(rows.round_item, ITEMS_SQL, (round_id,))
        return list(self._keep_items(round_id, found))

    def _keep_items(self, round_id: int, found: Sequence[RoundItem]) -> tuple[RoundItem, ...]:
        if len(self._items) >= CACHED_ROUNDS:
            self._items.clear()
        kept = self._items[round_id] = tuple(found)
        return kept

    async def rater_state(self, round_id: int, user_id: int) -> RaterState | None:
        """The round, its workshop and spokes, this rater and their answers, in one trip
        (None when there is no such round)."""
        cached = self._items.get(round_id)

        def batch(conn: sqlite3.Connection) -> tuple[Any, ...] | None:
            rnd = conn.execute("SELECT * FROM rounds WHERE id = ?", (round_id,)).fetchone()
            if rnd is None:
                return None
            return (
                rnd,
                conn.execute(
                    "SELECT * FROM workshops WHERE id = ?", (rnd["workshop_id"],)
                ).fetchone(),
                conn.execute(
                    "SELECT * FROM raters WHERE round_id = ? AND user_id = ?", (round_id, user_id)
                ).fetchone(),
                conn.execute(ANSWERS_SQL, (round_id, user_id)).fetchall(),
                None if cached is not None else conn.execute(ITEMS_SQL, (round_id,)).fetchall(),
            )

        found = await self._db.read(batch)
        if found is None or found[1] is None:
            return None
        rnd, ws, rater, answers, items = found
        return RaterState(
            round=rows.round_(rnd),
            workshop=rows.workshop(ws),
            items=cached
            if cached is not None
            else self._keep_items(round_id, [rows.round_item(r) for r in items]),
            rater=None if rater is None else rows.rater(rater),
            answers=_answers(answers),
        )

    async def start_rater(self, round_id: int, user_id: int, source: str = TEAM) -> Rater:
        await self._db.execute(
            "INSERT OR IGNORE INTO raters (round_id, user_id, started_at, source) "
            "VALUES (?, ?, ?, ?)",
            (round_id, user_id, to_iso(utcnow()), source),
        )
        rater = await self.rater(round_id, user_id)
        assert rater is not None
        return rater

    async def rater(self, round_id: int, user_id: int) -> Rater | None:
        return await self._one(
            rows.rater,
            "SELECT * FROM raters WHERE round_id = ? AND user_id = ?",
            (round_id, user_id),
        )

    async def raters(self, round_id: int, source: str | None = TEAM) -> list[Rater]:
        """The team's raters (or a `source`'s; None: everyone, customers included)."""
        return await self._all(
            rows.rater,
            "SELECT * FROM raters WHERE round_id = ? AND (? IS NULL OR source = ?) "
            "ORDER BY started_at, user_id",
            (round_id, source, source),
        )

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
        source: str = TEAM,
    ) -> bool:
        """Store one answer (None = skipped), overwriting; False when the round is closed.

        One statement: the row is written only while the round is open."""
        params = (
            round_id,
            touchpoint_id,
            rater_id,
            criterion.value,
            value,
            source,
            to_iso(utcnow()),
            round_id,
            RoundStatus.OPEN.value,
        )

        def batch(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT INTO ratings (round_id, touchpoint_id, rater_id, criterion, value, "
                "source, updated_at) SELECT ?, ?, ?, ?, ?, ?, ? "
                "WHERE EXISTS (SELECT 1 FROM rounds WHERE id = ? AND status = ?) "
                "ON CONFLICT (round_id, touchpoint_id, rater_id, criterion) DO UPDATE SET "
                "value = excluded.value, updated_at = excluded.updated_at",
                params,
            )
            return cursor.rowcount > 0

        return await self._db.write(batch)

    async def answers(self, round_id: int, rater_id: int) -> Answers:
        """This rater's answers: (touchpoint id, criterion) -> value (None = skipped)."""
        return _answers(await self._db.fetchall(ANSWERS_SQL, (round_id, rater_id)))

    async def ratings(self, round_id: int) -> list[Rating]:
        return await self._all(
            rows.rating,
            "SELECT * FROM ratings WHERE round_id = ? ORDER BY rater_id, touchpoint_id, criterion",
            (round_id,),
        )

    async def rater_count(self, round_id: int) -> int:
        """Team members who gave at least one real (not skipped) answer (customers are
        counted by the scoring, against their own minimum)."""
        return await self._count(
            "SELECT count(DISTINCT rater_id) FROM ratings WHERE round_id = ? "
            "AND value IS NOT NULL AND source = ?",
            (round_id, TEAM),
        )


def _answers(found: Sequence[sqlite3.Row]) -> Answers:
    return {(row[0], Criterion(row[1])): row[2] for row in found}
