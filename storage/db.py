"""The SQLite connection: pragmas, migrations and write transactions."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000
T = TypeVar("T")
# A batch: plain sqlite3 calls made on the database's own thread, in one trip there and back.
Batch = Callable[[sqlite3.Connection], T]


# How far this process's clock runs ahead of the system's: zero, except while the demo plays
# the weeks between two rounds (`clock_ahead`).
_ahead = timedelta()


def utcnow() -> datetime:
    """The current time in UTC (one place so storage timestamps agree)."""
    return datetime.now(UTC) + _ahead


@contextmanager
def clock_ahead() -> Iterator[Callable[[datetime], None]]:
    """Within the block, `move_to(moment)` sets this process's clock (`utcnow`) forward to
    `moment`; the system's time is back at the end. The demo's "a month later"."""
    global _ahead

    def move_to(moment: datetime) -> None:
        global _ahead
        _ahead = max(_ahead, moment - datetime.now(UTC))

    try:
        yield move_to
    finally:
        _ahead = timedelta()


def to_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def migrations() -> list[tuple[int, str]]:
    """The numbered migration scripts shipped in storage/migrations, in order."""
    found: list[tuple[int, str]] = []
    for entry in resources.files("storage.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.read_text(encoding="utf-8")))
    found.sort()
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migration numbers must run 1..n without gaps, got {numbers}")
    return found


class DatabaseError(Exception):
    """The database could not be opened or brought up to date (one line for the operator)."""


def _finish(conn: sqlite3.Connection) -> None:
    """COMMIT; if that fails (a deferred constraint, a full disk, I/O), roll back so the
    connection is not left inside the failed transaction, where every later BEGIN fails."""
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class Database:
    """One aiosqlite connection in WAL mode; writes go through `write()` (one trip) or
    `transaction()` (several), and reads wait while a `transaction()` is open, so they never
    see its rows before it commits (the connection is shared)."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()
        # The task inside an open `transaction()`, and an event set when none is open.
        self._owner: asyncio.Task[Any] | None = None
        self._no_transaction = asyncio.Event()
        self._no_transaction.set()

    @classmethod
    async def open(cls, path: Path | str) -> Database:
        """Open (creating folders), set pragmas and apply pending migrations; on failure the
        connection (and its thread) is closed and DatabaseError says why in one line."""
        try:
            if str(path) != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            conn = await aiosqlite.connect(str(path), isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"cannot open the database {path}: {exc}") from exc
        try:
            conn.row_factory = aiosqlite.Row
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA synchronous = NORMAL")
            db = cls(conn)
            await db.migrate()
        except BaseException as exc:
            # aiosqlite's thread is not a daemon: left open, it keeps the process alive.
            await conn.close()
            if isinstance(exc, sqlite3.Error | OSError):
                raise DatabaseError(f"the database {path} cannot be used: {exc}") from exc
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def _trip(self, batch: Batch[T]) -> T:
        # aiosqlite runs every call of ours as one function on its thread; a batch is such a
        # function, so several statements cost one trip instead of one each (and nothing
        # else can run on the connection in between).
        conn = self._conn
        run: Callable[[Callable[[], T]], Awaitable[T]] = conn._execute
        return await run(lambda: batch(conn._conn))

    async def _outside_transaction(self) -> None:
        """Wait until no other task has a `transaction()` open on the shared connection."""
        while self._owner is not None and self._owner is not asyncio.current_task():
            await self._no_transaction.wait()

    async def read(self, batch: Batch[T]) -> T:
        """Run several reads in one trip (they see one consistent, committed state)."""
        await self._outside_transaction()
        return await self._trip(batch)

    async def write(self, batch: Batch[T]) -> T:
        """Run a write transaction in one trip: committed if `batch` returns, rolled back
        if it raises."""

        def atomically(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = batch(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            _finish(conn)
            return result

        async with self._write_lock:
            return await self._trip(atomically)

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> None:
        """Apply every migration newer than PRAGMA user_version, each in one transaction."""
        current = await self.schema_version()
        for number, script in migrations():
            if number <= current:
                continue
            log.info("applying migration %03d", number)
            # executescript commits on its own; BEGIN/COMMIT make the script atomic.
            await self._conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A serialised write transaction, committed when the block ends without error (and
        rolled back if the commit fails). Other tasks' reads wait until it ends."""
        async with self._write_lock:
            self._owner = asyncio.current_task()
            self._no_transaction.clear()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    await self._conn.execute("ROLLBACK")
                    raise
                await self._trip(_finish)
            finally:
                self._owner = None
                self._no_transaction.set()

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> int:
        """One write statement in its own transaction, in one trip; returns lastrowid."""
        values = tuple(params)
        return await self.write(lambda conn: conn.execute(sql, values).lastrowid or 0)

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        values = tuple(params)
        row: aiosqlite.Row | None = await self.read(
            lambda conn: conn.execute(sql, values).fetchone()
        )
        return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        values = tuple(params)
        found: list[aiosqlite.Row] = await self.read(
            lambda conn: conn.execute(sql, values).fetchall()
        )
        return found
