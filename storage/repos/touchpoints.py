"""Touchpoints: the ideas of a workshop, their numbers, votes and the shortlist."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain import Phase
from storage import rows
from storage.db import to_iso, utcnow
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


class TouchpointRepo(Repo):
    async def live(self, workshop_id: int) -> list[Touchpoint]:
        """The workshop's live touchpoints (not dropped), by number."""
        return await self._all(
            rows.touchpoint,
            f"{TOUCHPOINT_SELECT} WHERE t.workshop_id = ? AND t.dropped = 0 ORDER BY t.position",
            (workshop_id,),
        )

    async def by_ids(self, ids: Sequence[int]) -> list[Touchpoint]:
        """These live touchpoints (the ones just added or +1ed), not the whole list."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return await self._all(
            rows.touchpoint,
            f"{TOUCHPOINT_SELECT} WHERE t.id IN ({marks}) AND t.dropped = 0",
            tuple(ids),
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
                "SELECT id, norm, dropped, position FROM touchpoints WHERE workshop_id = ? "
                "ORDER BY position",
                (workshop_id,),
            ) as cursor:
                every = await cursor.fetchall()
            existing: list[tuple[int, str]] = [(r[0], r[1]) for r in every if not r[2]]
            # Numbers are never reused: dropped touchpoints keep theirs.
            position = max((int(r[3]) for r in every), default=0)
            for idea in ideas:
                match = matcher(idea.norm, existing)
                if match is not None:
                    await conn.execute(
                        "INSERT OR IGNORE INTO contributions (touchpoint_id, user_id, anonymous, "
                        "customer) VALUES (?, ?, ?, ?)",
                        (match, user_id, int(anonymous), int(customer)),
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
                    "INSERT INTO contributions (touchpoint_id, user_id, anonymous, customer) "
                    "VALUES (?, ?, ?, ?)",
                    (new_id, user_id, int(anonymous), int(customer)),
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
        by_id = {tp.id: tp for tp in await self.by_ids([*added, *plus])}
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
