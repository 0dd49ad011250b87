"""Action plan items: owner, due date and status per weak spoke."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Criterion
from storage import rows
from storage.db import to_iso, utcnow
from storage.models import PlanItem
from storage.repos.base import Repo

# Plan items with their touchpoint's number from /list, the number people type.
PLAN_SELECT = (
    "SELECT p.*, t.position AS number FROM plan_items p "
    "JOIN touchpoints t ON t.id = p.touchpoint_id"
)


class PlanRepo(Repo):
    """Action plan items: one per weak spoke of a round, with owner, due date and status."""

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
        return await self._all(
            rows.plan_item,
            f"{PLAN_SELECT} WHERE p.round_id = ? ORDER BY p.position",
            (round_id,),
        )

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
        return await self._all(
            rows.plan_item,
            f"{PLAN_SELECT} WHERE p.round_id = (SELECT max(round_id) FROM plan_items "
            "WHERE workshop_id = ?) ORDER BY p.position",
            (workshop_id,),
        )

    async def due_unreminded(self, workshop_id: int, today: str) -> list[PlanItem]:
        """Open items of the current plan due today or earlier that were not reminded yet."""
        return await self._all(
            rows.plan_item,
            f"{PLAN_SELECT} WHERE p.round_id = (SELECT max(round_id) FROM plan_items "
            "WHERE workshop_id = ?) AND p.due_date IS NOT NULL AND p.due_date <= ? "
            "AND p.done_at IS NULL AND p.reminded_at IS NULL ORDER BY p.position",
            (workshop_id, today),
        )

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
