"""Touchpoints: the ideas of a workshop, their numbers, votes and the shortlist."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain import Phase
from storage import rows
from storage.db import Database, to_iso, utcnow
from storage.models import AddOutcome, NewIdea, Touchpoint
from storage.repos.base import Repo

# A matcher gets the new idea's normalised text and the existing (id, norm) pairs and
# returns the id of the touchpoint it duplicates, or None. It is pure core logic.
Matcher = Callable[[str, Sequence[tuple[int, str]]], int | None]

TOUCHPOINT_SELECT = (
    "SELECT t.*, (SELECT count(*) FROM contributions c WHERE c.touchpoint_id = t.id) AS votes, "
    "(SELECT group_concat(c.user_id) FROM contributions c WHERE c.touchpoint_id = t.id) "
    "AS who, (SELECT count(*) FROM contributions c WHERE c.touchpoint_id = t.id "
    "AND c.customer = 1) AS customers FROM touchpoints t"
)


# How many workshops' lists of ideas are kept in memory for duplicate matching.
KNOWN_WORKSHOPS = 2_000


@dataclass(slots=True)
class _Known:
    """A workshop's live ideas as duplicate matching needs them, and its last number."""

    existing: list[tuple[int, str]] = field(default_factory=list)  # (id, norm), by number
    position: int = 0  # numbers are never reused: dropped touchpoints keep theirs
    loaded: bool = False
    # Messages of one workshop are taken one at a time, in the order they came (the lock is
    # fair): ideas get their numbers in that order.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class TouchpointRepo(Repo):
    """Touchpoints. Each workshop's live ideas are kept in memory once read, for matching
    new ones against; every write here keeps that copy true (this process is the
    database's only writer)."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self._known: OrderedDict[int, _Known] = OrderedDict()

    def _slot(self, workshop_id: int) -> _Known:
        """The workshop's entry, made at once (before any await) so that its lock orders
        the messages as they arrived."""
        known = self._known.get(workshop_id)
        if known is None:
            known = self._known[workshop_id] = _Known()
            while len(self._known) > KNOWN_WORKSHOPS:
                oldest, idle = next(iter(self._known.items()))
                if idle.lock.locked():
                    break
                del self._known[oldest]
        else:
            self._known.move_to_end(workshop_id)
        return known

    async def _load(self, workshop_id: int, known: _Known) -> None:
        """Read the workshop's ideas into its entry, once (the caller holds its lock)."""
        if known.loaded:
            return
        found = await self._db.fetchall(
            "SELECT id, norm, dropped, position FROM touchpoints WHERE workshop_id = ? "
            "ORDER BY position",
            (workshop_id,),
        )
        known.existing = [(r[0], r[1]) for r in found if not r[2]]
        known.position = max((int(r[3]) for r in found), default=0)
        known.loaded = True

    def _forget(self, touchpoint_ids: Sequence[int]) -> None:
        gone = set(touchpoint_ids)
        for known in self._known.values():
            known.existing = [pair for pair in known.existing if pair[0] not in gone]

    async def live(self, workshop_id: int) -> list[Touchpoint]:
        """The workshop's live touchpoints (not dropped), by number."""
        return await self._all(
            rows.touchpoint,
            f"{TOUCHPOINT_SELECT} WHERE t.workshop_id = ? AND t.dropped = 0 ORDER BY t.position",
            (workshop_id,),
        )

    async def by_number(self, workshop_id: int, number: int) -> Touchpoint | None:
        return await self._one(
            rows.touchpoint,
            f"{TOUCHPOINT_SELECT} WHERE t.workshop_id = ? AND t.position = ? AND t.dropped = 0",
            (workshop_id, number),
        )

    async def contributors(self, workshop_id: int) -> list[int]:
        """Everyone who contributed openly (anonymous idea-box authors excluded)."""
        found = await self._db.fetchall(
            "SELECT DISTINCT c.user_id FROM contributions c JOIN touchpoints t "
            "ON t.id = c.touchpoint_id WHERE t.workshop_id = ? AND c.anonymous = 0",
            (workshop_id,),
        )
        return [row[0] for row in found]

    async def contributor_count(self, workshop_id: int, *, customers: bool = False) -> int:
        """How many team members (or, with `customers`, customers) brought ideas."""
        return await self._count(
            "SELECT count(DISTINCT c.user_id) FROM contributions c JOIN touchpoints t "
            "ON t.id = c.touchpoint_id WHERE t.workshop_id = ? AND c.customer = ?",
            (workshop_id, int(customers)),
        )

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
        customer: bool = False,
        phases: Sequence[Phase] = (Phase.BRAINSTORM,),
        shortlist_up_to: int | None = None,
    ) -> AddOutcome:
        """Store one message's ideas atomically, merging duplicates into +1s.

        With `source` (chat id, message id) a message already processed adds nothing.
        With `shortlist_up_to`, new touchpoints join the shortlist while it has room
        (touchpoints added after a round, for the next one). A `customer`'s ideas are
        unsigned and counted apart from the team's.
        """
        anonymous = anonymous or customer
        phase_values = {p.value for p in phases}
        known = self._slot(workshop_id)
        async with known.lock:  # one message of a workshop at a time: numbers in order
            await self._load(workshop_id, known)
            # Matching happens here, outside the transaction: other chats write meanwhile.
            existing = list(known.existing)
            position = known.position
            plan: list[tuple[NewIdea, int | None, int]] = []  # idea, duplicate of, number
            over: list[str] = []
            for idea in ideas:
                match = matcher(idea.norm, existing)
                if match is None and len(existing) >= limit:
                    over.append(idea.text)
                    continue
                if match is None:
                    position += 1
                    existing.append((-position, idea.norm))  # a placeholder id
                plan.append((idea, match, position))
            now = to_iso(utcnow())

            def batch(conn: sqlite3.Connection) -> tuple[str, list[int], list[int], list[Any]]:
                row = conn.execute(
                    "SELECT phase FROM workshops WHERE id = ?", (workshop_id,)
                ).fetchone()
                if row is None or row[0] not in phase_values:
                    return "closed", [], [], []
                if source is not None and (
                    conn.execute(
                        "INSERT OR IGNORE INTO processed_messages (chat_id, message_id, "
                        "workshop_id) VALUES (?, ?, ?)",
                        (*source, workshop_id),
                    ).rowcount
                    == 0
                ):
                    return "seen", [], [], []
                added: list[int] = []
                plus: list[int] = []
                placeholders: dict[int, int] = {}
                for idea, match, number in plan:
                    if match is not None and match < 0:
                        match = placeholders[match]  # a repeat within the same message
                    if match is not None:
                        conn.execute(
                            "INSERT OR IGNORE INTO contributions (touchpoint_id, user_id, "
                            "anonymous, customer) VALUES (?, ?, ?, ?)",
                            (match, user_id, int(anonymous), int(customer)),
                        )
                        if match not in plus and match not in added:
                            plus.append(match)
                        continue
                    new_id = (
                        conn.execute(
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
                                number,
                                now,
                            ),
                        ).lastrowid
                        or 0
                    )
                    placeholders[-number] = new_id
                    conn.execute(
                        "INSERT INTO contributions (touchpoint_id, user_id, anonymous, customer) "
                        "VALUES (?, ?, ?, ?)",
                        (new_id, user_id, int(anonymous), int(customer)),
                    )
                    added.append(new_id)
                    if shortlist_up_to is not None:
                        conn.execute(
                            "UPDATE touchpoints SET shortlisted = 1 WHERE id = ? AND (SELECT "
                            "count(*) FROM touchpoints WHERE workshop_id = ? AND shortlisted = 1 "
                            "AND dropped = 0) < ?",
                            (new_id, workshop_id, shortlist_up_to),
                        )
                ids = [*added, *plus]
                marks = ",".join("?" * len(ids))
                found = (
                    conn.execute(
                        f"{TOUCHPOINT_SELECT} WHERE t.id IN ({marks}) AND t.dropped = 0", ids
                    ).fetchall()
                    if ids
                    else []
                )
                return "done", added, plus, found

            status, added, plus, found = await self._db.write(batch)
            if status == "closed":
                return AddOutcome(workshop_closed=True)
            if status == "seen":
                return AddOutcome(already_seen=True)
            by_id = {tp.id: tp for tp in map(rows.touchpoint, found)}
            known.existing.extend((i, by_id[i].norm) for i in added if i in by_id)
            known.position = max(known.position, position)
        return AddOutcome(
            added=tuple(by_id[i] for i in added if i in by_id),
            plus_ones=tuple(by_id[i] for i in plus if i in by_id),
            over_limit=tuple(over),
        )

    async def drop(self, touchpoint_id: int) -> None:
        self._forget([touchpoint_id])
        await self._db.execute(
            "UPDATE touchpoints SET dropped = 1, shortlisted = 0 WHERE id = ?", (touchpoint_id,)
        )

    async def rename(self, touchpoint_id: int, text: str, norm: str) -> None:
        for known in self._known.values():
            known.existing = [
                (tp_id, norm if tp_id == touchpoint_id else other)
                for tp_id, other in known.existing
            ]
        await self._db.execute(
            "UPDATE touchpoints SET text = ?, norm = ? WHERE id = ?", (text, norm, touchpoint_id)
        )

    async def merge(self, keep_id: int, gone_id: int) -> None:
        """Fold one touchpoint into another, keeping every contributor."""
        self._forget([gone_id])
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO contributions (touchpoint_id, user_id, anonymous, "
                "customer) SELECT ?, user_id, anonymous, customer FROM contributions "
                "WHERE touchpoint_id = ?",
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
