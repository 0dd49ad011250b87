"""Customers of a workshop: its survey link and the people who followed it."""

from __future__ import annotations

from storage import rows
from storage.db import to_iso, utcnow
from storage.models import Workshop
from storage.repos.base import Repo


class CustomerRepo(Repo):
    async def set_token(self, workshop_id: int, token: str | None) -> None:
        """Issue a new survey link (the old one stops working) or, with None, revoke it."""
        await self._db.execute(
            "UPDATE workshops SET customer_token = ? WHERE id = ?", (token, workshop_id)
        )

    async def workshop(self, token: str) -> Workshop | None:
        """The workshop whose current survey link carries this token."""
        if not token:
            return None
        return await self._one(
            rows.workshop, "SELECT * FROM workshops WHERE customer_token = ?", (token,)
        )

    async def join(self, workshop_id: int, user_id: int) -> int:
        """Count this user as a customer of the workshop; their number (1, 2, …), kept."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO customers (workshop_id, user_id, alias, joined_at) "
                "SELECT ?, ?, coalesce(max(alias), 0) + 1, ? FROM customers "
                "WHERE workshop_id = ?",
                (workshop_id, user_id, to_iso(utcnow()), workshop_id),
            )
            async with conn.execute(
                "SELECT alias FROM customers WHERE workshop_id = ? AND user_id = ?",
                (workshop_id, user_id),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def is_customer(self, workshop_id: int, user_id: int) -> bool:
        return bool(
            await self._count(
                "SELECT count(*) FROM customers WHERE workshop_id = ? AND user_id = ?",
                (workshop_id, user_id),
            )
        )

    async def aliases(self, workshop_id: int) -> dict[int, int]:
        """user id -> the customer's number, for every customer of the workshop."""
        found = await self._db.fetchall(
            "SELECT user_id, alias FROM customers WHERE workshop_id = ?", (workshop_id,)
        )
        return {int(row[0]): int(row[1]) for row in found}
