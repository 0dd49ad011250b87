"""Workshops and every change of their phase."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

from bot.domain import Phase
from storage import rows
from storage.db import to_iso, utcnow
from storage.models import Workshop
from storage.repos.base import Repo
from storage.repos.jobs import UPSERT_JOB

_ACTIVE = tuple(phase.value for phase in Phase if phase.active)


class WorkshopRepo(Repo):
    async def create(
        self,
        chat_id: int,
        topic: str,
        facilitator_id: int,
        locale: str,
        idea_token: str,
        deadline: datetime,
        thread_id: int | None = None,
        timers: Callable[[int], Sequence[tuple[str, str, datetime]]] = lambda _id: (),
    ) -> Workshop | None:
        """Start a brainstorm; None when the chat (the forum topic) already has an active
        workshop. Its `timers` (key, kind, when, for the new workshop's id) are stored in the
        same transaction, so no crash can leave a workshop without its bell."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"SELECT 1 FROM workshops WHERE chat_id = ? AND thread_id IS ? AND phase IN "
                f"({','.join('?' * len(_ACTIVE))})",
                (chat_id, thread_id, *_ACTIVE),
            ) as cursor:
                if await cursor.fetchone():
                    return None
            cursor = await conn.execute(
                "INSERT INTO workshops (chat_id, topic, facilitator_id, locale, phase, "
                "idea_token, started_at, deadline, thread_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    chat_id,
                    topic,
                    facilitator_id,
                    locale,
                    Phase.BRAINSTORM.value,
                    idea_token,
                    to_iso(utcnow()),
                    to_iso(deadline),
                    thread_id,
                ),
            )
            workshop_id = cursor.lastrowid or 0
            await conn.executemany(
                UPSERT_JOB,
                [
                    (key, kind, workshop_id, to_iso(when))
                    for key, kind, when in timers(workshop_id)
                ],
            )
        found = await self.get(workshop_id)
        assert found is not None
        return found

    async def get(self, workshop_id: int) -> Workshop | None:
        return await self._one(
            rows.workshop, "SELECT * FROM workshops WHERE id = ?", (workshop_id,)
        )

    async def by_idea_token(self, token: str) -> Workshop | None:
        return await self._one(
            rows.workshop, "SELECT * FROM workshops WHERE idea_token = ?", (token,)
        )

    async def active(self, chat_id: int, thread_id: int | None = None) -> Workshop | None:
        """The active workshop of the chat (of one forum topic: None is the general one)."""
        return await self._one(
            rows.workshop,
            f"SELECT * FROM workshops WHERE chat_id = ? AND thread_id IS ? AND phase IN "
            f"({','.join('?' * len(_ACTIVE))}) ORDER BY id DESC LIMIT 1",
            (chat_id, thread_id, *_ACTIVE),
        )

    async def running_by_phase(self) -> dict[str, int]:
        """How many workshops are in each active phase (for /metrics)."""
        found = await self._db.fetchall(
            f"SELECT phase, count(*) FROM workshops WHERE phase IN "
            f"({','.join('?' * len(_ACTIVE))}) GROUP BY phase",
            _ACTIVE,
        )
        return dict.fromkeys(_ACTIVE, 0) | {str(row[0]): int(row[1]) for row in found}

    async def latest(
        self, chat_id: int, thread_id: int | None = None, *, any_topic: bool = False
    ) -> Workshop | None:
        """The chat's (the forum topic's, or with `any_topic` the whole chat's) newest
        workshop that was not cancelled (the active one, if any: a workshop starts only when
        none is active there)."""
        return await self._one(
            rows.workshop,
            "SELECT * FROM workshops WHERE chat_id = ? AND (? OR thread_id IS ?) AND phase != ? "
            "ORDER BY id DESC LIMIT 1",
            (chat_id, int(any_topic), thread_id, Phase.CANCELLED.value),
        )

    async def with_plan(self, chat_id: int) -> Workshop | None:
        """The chat's newest workshop (in any forum topic, not cancelled) that has a plan."""
        return await self._one(
            rows.workshop,
            "SELECT * FROM workshops w WHERE chat_id = ? AND phase != ? AND EXISTS "
            "(SELECT 1 FROM plan_items p WHERE p.workshop_id = w.id) ORDER BY id DESC LIMIT 1",
            (chat_id, Phase.CANCELLED.value),
        )

    async def by_board(self, chat_id: int, message_id: int) -> Workshop | None:
        """The workshop whose board this message is (replies to a board count anywhere)."""
        return await self._one(
            rows.workshop,
            "SELECT * FROM workshops WHERE chat_id = ? AND board_message_id = ?",
            (chat_id, message_id),
        )

    async def set_round_seconds(self, workshop_id: int, seconds: int | None) -> None:
        """Keep the length asked for with /rate until the round opens (None: the default)."""
        await self._db.execute(
            "UPDATE workshops SET round_seconds = ? WHERE id = ?", (seconds, workshop_id)
        )

    async def mark_list_posted(self, workshop_id: int) -> None:
        await self._db.execute("UPDATE workshops SET list_posted = 1 WHERE id = ?", (workshop_id,))

    async def relabel(self, chat_id: int, locale: str) -> None:
        """The chat's language changed: its workshops (in every topic) speak it from their
        next message on."""
        await self._db.execute(
            "UPDATE workshops SET locale = ? WHERE chat_id = ? AND phase != ?",
            (locale, chat_id, Phase.CANCELLED.value),
        )

    async def in_phase(self, phase: Phase) -> list[Workshop]:
        return await self._all(
            rows.workshop, "SELECT * FROM workshops WHERE phase = ?", (phase.value,)
        )

    async def set_phase(
        self, workshop_id: int, phase: Phase, *, expected: Sequence[Phase] = ()
    ) -> bool:
        """End the brainstorm (REVIEW) or the workshop (CANCELLED); with `expected`, only
        from one of those phases (False otherwise). Rounds move to RATING and RESULTS
        through `change_phase` inside their own transactions."""
        if phase not in (Phase.REVIEW, Phase.CANCELLED):
            raise ValueError(f"set_phase handles review and cancel, not {phase}")
        async with self._db.transaction() as conn:
            return await change_phase(conn, workshop_id, phase, expected=expected, ended=True)

    async def set_deadline(self, workshop_id: int, deadline: datetime) -> None:
        await self._db.execute(
            "UPDATE workshops SET deadline = ? WHERE id = ?", (to_iso(deadline), workshop_id)
        )

    async def set_board(self, workshop_id: int, message_id: int) -> None:
        """The board was posted (again): it is not pinned yet."""
        await self._db.execute(
            "UPDATE workshops SET board_message_id = ?, board_pinned = 0 WHERE id = ?",
            (message_id, workshop_id),
        )

    async def set_pinned(self, workshop_id: int, pinned: bool) -> None:
        """The bot pinned (True) or unpinned its board."""
        await self._db.execute(
            "UPDATE workshops SET board_pinned = ? WHERE id = ?", (int(pinned), workshop_id)
        )

    async def set_list_parts(self, workshop_id: int, parts: int) -> None:
        """The first `parts` messages of the bell's list are out."""
        await self._db.execute(
            "UPDATE workshops SET list_parts = ? WHERE id = ?", (parts, workshop_id)
        )


def phase_change(
    workshop_id: int, phase: Phase, *, expected: Sequence[Phase] = (), ended: bool = False
) -> tuple[str, list[Any]]:
    """The statement of a workshop's phase change (see `change_phase`)."""
    sql = "UPDATE workshops SET phase = ?"
    params: list[Any] = [phase.value]
    if ended:
        sql += ", ended_at = ?"
        params.append(to_iso(utcnow()))
    sql += " WHERE id = ?"
    params.append(workshop_id)
    if expected:
        sql += f" AND phase IN ({','.join('?' * len(expected))})"
        params.extend(p.value for p in expected)
    return sql, params


async def change_phase(
    conn: aiosqlite.Connection,
    workshop_id: int,
    phase: Phase,
    *,
    expected: Sequence[Phase] = (),
    ended: bool = False,
) -> bool:
    """Every phase change of a workshop, inside the caller's transaction.

    With `expected`, only from one of those phases; `ended` stamps the end of the
    brainstorm or workshop. False when nothing moved.
    """
    cursor = await conn.execute(*phase_change(workshop_id, phase, expected=expected, ended=ended))
    return cursor.rowcount > 0
