"""The connection layer: a failed COMMIT, reads beside an open transaction, and a database
the bot cannot open or migrate (one line and exit code 3, no hanging thread)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import closing
from pathlib import Path

import pytest

from storage.db import Database, DatabaseError
from tests.conftest import ROOT, bot_env

# A child row whose parent is missing passes every statement and fails only at COMMIT.
SCHEMA = (
    "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
    "CREATE TABLE child (parent_id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)",
)
ORPHAN = "INSERT INTO child VALUES (99)"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "t.sqlite3")
    for statement in SCHEMA:
        await database.execute(statement)
    yield database
    await database.close()


async def orphan_in_one_trip(db: Database) -> None:
    await db.write(lambda conn: conn.execute(ORPHAN))


async def orphan_in_a_transaction(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(ORPHAN)


@pytest.mark.parametrize("write", [orphan_in_one_trip, orphan_in_a_transaction])
async def test_a_failed_commit_is_rolled_back_and_later_writes_work(
    db: Database, write: Callable[[Database], Awaitable[None]]
) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        await write(db)
    # The connection is not left inside the failed transaction: the next write commits.
    await db.execute("INSERT INTO parent VALUES (1)")
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO parent VALUES (2)")
    assert [tuple(row) for row in await db.fetchall("SELECT id FROM parent")] == [(1,), (2,)]
    assert await db.fetchall("SELECT * FROM child") == []


async def test_a_read_never_sees_the_rows_of_an_open_transaction(db: Database) -> None:
    seen: list[list[tuple[int]]] = []

    async def reader() -> None:
        rows = await db.fetchall("SELECT id FROM parent")
        seen.append([tuple(row) for row in rows])

    async def change_of_mind() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO parent VALUES (7)")
            read = asyncio.create_task(reader())
            await asyncio.sleep(0)  # the reader runs up to its first wait
            # aiosqlite runs calls in order: had the read been queued, it ran before this.
            await conn.execute("SELECT 1")
            reading.append(read)
            raise RuntimeError("the transaction changed its mind")

    reading: list[asyncio.Task[None]] = []
    with pytest.raises(RuntimeError, match="changed its mind"):
        await change_of_mind()
    await reading[0]
    assert seen == [[]]  # the row 7 was never committed, so no reader may have seen it


async def test_the_transaction_itself_still_reads_its_own_rows(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO parent VALUES (5)")
        row = await db.fetchone("SELECT count(*) FROM parent")
    assert row is not None and row[0] == 1


def not_a_database(path: Path) -> None:
    path.write_bytes(b"this is not an SQLite file, it only wears the name " * 100)


def migration_that_fails(path: Path) -> None:
    # A table the first migration creates exists already: that migration fails halfway.
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE workshops (id INTEGER PRIMARY KEY)")
        conn.commit()


BROKEN = {
    "not a database": (not_a_database, "file is not a database"),
    "failing migration": (migration_that_fails, "already exists"),
}


@pytest.mark.parametrize("case", BROKEN)
async def test_a_broken_database_is_closed_and_reported(tmp_path: Path, case: str) -> None:
    prepare, reason = BROKEN[case]
    path = tmp_path / "bot.sqlite3"
    prepare(path)
    with pytest.raises(DatabaseError, match=reason):
        await Database.open(path)


@pytest.mark.parametrize("case", BROKEN)
def test_the_bot_exits_3_with_one_line_on_a_broken_database(tmp_path: Path, case: str) -> None:
    prepare, reason = BROKEN[case]
    path = tmp_path / "bot.sqlite3"
    prepare(path)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "42:TEST"\napi_server = "http://127.0.0.1:9"\n'
        f'[storage]\npath = "{path}"\n',
        encoding="utf-8",
    )
    # Before the fix aiosqlite's thread kept the process alive: it never exited.
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(config)],
        cwd=ROOT,
        env=bot_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as proc:
        try:
            _, err = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
            raise AssertionError(f"the bot hung on a broken database:\n{err}") from None
    assert proc.returncode == 3, err
    # Besides the INFO log line of the migration it tried: one line that says it all.
    lines = [line for line in err.splitlines() if line.strip() and " INFO " not in line]
    assert len(lines) == 1 and lines[0].startswith("touchwheel: "), err
    assert reason in lines[0] and str(path) in lines[0] and "Traceback" not in err
