"""What every repository shares: its database and fetch-then-map helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import aiosqlite

from storage.db import Database

T = TypeVar("T")
Mapper = Callable[[aiosqlite.Row], T]


class Repo:
    """A repository over one database; subclasses hold the SQL of one aggregate."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def _one(self, mapper: Mapper[T], sql: str, params: Iterable[Any] = ()) -> T | None:
        """The first row of `sql` as a record, or None."""
        row = await self._db.fetchone(sql, params)
        return None if row is None else mapper(row)

    async def _all(self, mapper: Mapper[T], sql: str, params: Iterable[Any] = ()) -> list[T]:
        """Every row of `sql` as a record."""
        return [mapper(row) for row in await self._db.fetchall(sql, params)]

    async def _count(self, sql: str, params: Iterable[Any] = ()) -> int:
        """The single number a `SELECT count(…)` returns."""
        row = await self._db.fetchone(sql, params)
        return int(row[0]) if row else 0
