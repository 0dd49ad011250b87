"""Action plan items: owner, due date and status per weak spoke."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import Choice, Entry
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

    async def replace(self, workshop_id: int, round_id: int, entries: Sequence[Entry]) -> None:
        """Set the round's plan as the core decided it: an unfinished item carried over
        comes with its owner, due date and the round it was made in; a done one is done
        with (its row in the plan before keeps the history)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM plan_items WHERE round_id = ?", (round_id,))
            await conn.executemany(
                "INSERT INTO plan_items (workshop_id, round_id, touchpoint_id, position, "
                "criterion, action, owner_id, due_date, short, channel, suggestion, "
                "own_action, score, weakest_score, made_round, recovered) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        workshop_id,
                        round_id,
                        e.touchpoint_id,
                        position,
                        e.criterion.value,
                        e.action,
                        e.owner_id,
                        e.due_date,
                        int(e.short),
                        e.choice.channel,
                        e.choice.suggestion,
                        int(e.choice.own_action is not None),
                        e.score,
                        e.weakest_score,
                        e.made_round,
                        int(e.recovered),
                    )
                    for position, e in enumerate(entries, start=1)
                ],
            )

    async def choices(self, workshop_id: int) -> dict[int, Choice]:
        """What the team chose for each touchpoint on the workshop's plans, newest last."""
        found = await self._db.fetchall(
            "SELECT touchpoint_id, channel, suggestion, own_action, action FROM plan_items "
            "WHERE workshop_id = ? ORDER BY round_id",
            (workshop_id,),
        )
        return {row[0]: Choice(row[1], row[2], row[4] if row[3] else None) for row in found}

    async def choose(self, item_id: int, action: str, choice: Choice) -> None:
        """The team took another suggestion, set the channel or wrote its own action."""
        await self._db.execute(
            "UPDATE plan_items SET action = ?, channel = ?, suggestion = ?, own_action = ? "
            "WHERE id = ?",
            (
                action,
                choice.channel,
                choice.suggestion,
                int(choice.own_action is not None),
                item_id,
            ),
        )

    async def get(self, item_id: int) -> PlanItem | None:
        return await self._one(rows.plan_item, f"{PLAN_SELECT} WHERE p.id = ?", (item_id,))

    async def for_round(self, round_id: int) -> list[PlanItem]:
        return await self._all(
            rows.plan_item,
            f"{PLAN_SELECT} WHERE p.round_id = ? ORDER BY p.position",
            (round_id,),
        )

    async def for_workshop(self, workshop_id: int) -> list[PlanItem]:
        """Every plan item of the workshop, each round's plan in order: an item's history."""
        return await self._all(
            rows.plan_item,
            f"{PLAN_SELECT} WHERE p.workshop_id = ? ORDER BY p.round_id, p.position",
            (workshop_id,),
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

    async def correct_channel(self, chat_id: int, norm: str, channel: str) -> None:
        """Remember the channel the team filed this (normalised) touchpoint under."""
        await self._db.execute(
            "INSERT INTO channel_corrections (chat_id, norm, channel, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id, norm) DO UPDATE SET "
            "channel = excluded.channel, updated_at = excluded.updated_at",
            (chat_id, norm, channel, to_iso(utcnow())),
        )

    async def corrections(self, chat_id: int) -> dict[str, str]:
        """The chat's corrections: normalised touchpoint -> channel."""
        found = await self._db.fetchall(
            "SELECT norm, channel FROM channel_corrections WHERE chat_id = ? ORDER BY updated_at",
            (chat_id,),
        )
        return {row[0]: row[1] for row in found}
