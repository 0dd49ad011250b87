"""`python -m bot backup PATH`: a checked copy of the live database, no token needed."""

from __future__ import annotations

import asyncio
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
