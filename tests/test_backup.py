"""`python -m bot backup PATH`: a checked copy of the live database, no token needed."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.harness import Harness, group_chat, make_user


def config_for(tmp_path: Path, db: Path) -> Path:
    path = tmp_path / "backup-config.toml"
    path.write_text(f'[storage]\npath = "{db}"\n', encoding="utf-8")
    return path


def counts(db: Path) -> tuple[str, int, int]:
    with closing(sqlite3.connect(db)) as conn:
        (verdict,) = conn.execute("PRAGMA integrity_check").fetchone()
        (workshops,) = conn.execute("SELECT count(*) FROM workshops").fetchone()
        (ideas,) = conn.execute("SELECT count(*) FROM touchpoints").fetchone()
    return verdict, workshops, ideas


async def test_backup_while_the_bot_runs(
    harness: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, chat = make_user("Alice"), group_chat()
    harness.session.admins[chat.id] = {alice.id}
    await harness.say(alice, chat, "/brainstorm 10m")
    await harness.say(alice, chat, "/idea Website\nPhone line\nDelivery")
    config = config_for(tmp_path, tmp_path / "test.sqlite3")
    target = tmp_path / "backups" / "touchwheel.sqlite3"
    # The bot's connection stays open (WAL) and keeps writing while the copy is made.
    code, _ = await asyncio.gather(
        asyncio.to_thread(main, ["backup", str(target), "--config", str(config)]),
        harness.say(alice, chat, "/idea Invoice"),
    )
    assert code == 0
    assert "integrity ok" in capsys.readouterr().out
    verdict, workshops, ideas = await asyncio.to_thread(counts, target)
    assert verdict == "ok" and workshops == 1 and ideas in (3, 4)
    # A second backup replaces the first in one step, leaving no partial file.
    code = await asyncio.to_thread(main, ["backup", str(target), "--config", str(config)])
    assert code == 0 and not (target.parent / (target.name + ".part")).exists()


def test_backup_of_a_missing_database_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_for(tmp_path, tmp_path / "nowhere.sqlite3")
    assert main(["backup", str(tmp_path / "copy.sqlite3"), "--config", str(config)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no database here" in err
    assert not (tmp_path / "copy.sqlite3").exists()


def test_backup_copies_what_is_still_only_in_the_wal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(db, isolation_level=None)) as live:
        live.execute("PRAGMA journal_mode = WAL")
        live.execute("PRAGMA wal_autocheckpoint = 0")  # nothing reaches the main file
        live.execute("CREATE TABLE workshops (id INTEGER PRIMARY KEY)")
        live.execute("CREATE TABLE touchpoints (id INTEGER PRIMARY KEY)")
        live.executemany("INSERT INTO workshops VALUES (?)", [(n,) for n in range(1, 8)])
        assert (tmp_path / "live.sqlite3-wal").stat().st_size > 0
        target = tmp_path / "copy.sqlite3"
        assert main(["backup", str(target), "--config", str(config_for(tmp_path, db))]) == 0
    assert "7 workshops" in capsys.readouterr().out
    assert counts(target) == ("ok", 7, 0)


def deny_wal(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda path, mode: not str(path).endswith("-wal") and real(path, mode),
    )


def deny_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)


def deny_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(os, "replace", refuse)


# What the operator lacks -> what the one line names.
DENIED = {
    "the -wal file": (deny_wal, "live.sqlite3-wal: permission denied"),
    "the target folder": (deny_folder, "backups: permission denied"),
    "the target file": (deny_replace, "copy.sqlite3: permission denied"),
}


@pytest.mark.parametrize("case", DENIED)
def test_a_permission_error_is_one_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    deny, expected = DENIED[case]
    db = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(db, isolation_level=None)) as live:
        live.execute("PRAGMA journal_mode = WAL")
        live.execute("PRAGMA wal_autocheckpoint = 0")
        live.execute("CREATE TABLE workshops (id INTEGER PRIMARY KEY)")
        live.execute("CREATE TABLE touchpoints (id INTEGER PRIMARY KEY)")
        config = config_for(tmp_path, db)
        folder = tmp_path / ("backups" if case == "the target folder" else "")
        deny(monkeypatch)
        code = main(["backup", str(folder / "copy.sqlite3"), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert not list(tmp_path.glob("*.part"))
