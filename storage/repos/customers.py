"""Customers of a workshop: its survey link and the people who followed it."""

from __future__ import annotations

from storage import rows
from storage.db import to_iso, utcnow
from storage.models import Workshop
from storage.repos.base import Repo


class CustomerRepo(Repo):
    async def set_token(self, workshop_id: int, token: str) -> None:
        """Issue a new survey link: the old one stops working; the customers who came
        through it stay."""
        await self._db.execute(
            "UPDATE workshops SET customer_token = ? WHERE id = ?", (token, workshop_id)
        )

    async def revoke(self, workshop_id: int) -> None:
        """Switch the link off and cut off every customer who came through it: none of them
        counts again until they follow a new link."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE workshops SET customer_token = NULL WHERE id = ?", (workshop_id,)
            )
            await conn.execute(
                "UPDATE customers SET active = 0 WHERE workshop_id = ?", (workshop_id,)
            )

    async def workshop(self, token: str) -> Workshop | None:
        """The workshop whose current survey link carries this token."""
        if not token:
            return None
        return await self._one(
            rows.workshop, "SELECT * FROM workshops WHERE customer_token = ?", (token,)
        )

    async def join(self, workshop_id: int, user_id: int) -> int:
        """Count this user as a customer of the workshop (again, when they were cut off);
        their number (1, 2, …), kept."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO customers (workshop_id, user_id, alias, joined_at) "
                "SELECT ?, ?, coalesce(max(alias), 0) + 1, ? FROM customers "
                "WHERE workshop_id = ? "
                "ON CONFLICT (workshop_id, user_id) DO UPDATE SET active = 1",
                (workshop_id, user_id, to_iso(utcnow()), workshop_id),
            )
            async with conn.execute(
                "SELECT alias FROM customers WHERE workshop_id = ? AND user_id = ?",
                (workshop_id, user_id),
            ) as cursor:
                row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def state(self, workshop_id: int, user_id: int) -> bool | None:
        """True: a customer of the workshop; False: one who was cut off (/customers off);
        None: never a customer."""
        row = await self._db.fetchone(
            "SELECT active FROM customers WHERE workshop_id = ? AND user_id = ?",
            (workshop_id, user_id),
        )
        return None if row is None else bool(row[0])

    async def is_customer(self, workshop_id: int, user_id: int) -> bool:
        return bool(await self.state(workshop_id, user_id))

    async def aliases(self, workshop_id: int) -> dict[int, int]:
        """user id -> the customer's number, for every current (not cut off) customer."""
        found = await self._db.fetchall(
            "SELECT user_id, alias FROM customers WHERE workshop_id = ? AND active = 1",
            (workshop_id,),
        )
        return {int(row[0]): int(row[1]) for row in found}
