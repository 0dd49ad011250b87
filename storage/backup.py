"""`python -m bot backup PATH`: a consistent copy of the database while the bot runs.

SQLite's online backup API copies the pages in small steps, so the running bot keeps
writing in between, and reads them as the bot sees them: including what is still in the
-wal file and not yet checkpointed into the main one. Reading a WAL database takes reading
the -wal and reading and writing the -shm, so those are checked first. The copy is checked
(`PRAGMA integrity_check`) before it replaces the target, so a failed backup never leaves a
half-written file under the target's name. Every failure is one BackupError line.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

PAGES_PER_STEP = 256


class BackupError(Exception):
    """The copy could not be made or did not check out."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    target: Path
    size: int
    workshops: int


def _check_access(source: Path) -> None:
    """The live file and its -wal and -shm (when there) can be used by this user."""
    for path, mode in (
        (source, os.R_OK),
        (source.with_name(source.name + "-wal"), os.R_OK),
        (source.with_name(source.name + "-shm"), os.R_OK | os.W_OK),
    ):
        if path.exists() and not os.access(path, mode):
            raise BackupError(
                f"{path}: permission denied (run the backup as the user the bot runs as)"
            )


def backup(source: Path, target: Path) -> BackupReport:
    """Copy the database at `source` to `target` (replaced atomically if it exists)."""
    try:
        return _backup(source, target)
    except PermissionError as exc:
        raise BackupError(f"{exc.filename or target}: permission denied") from exc
    except OSError as exc:
        raise BackupError(f"{exc.filename or target}: {exc.strerror or exc}") from exc


def _backup(source: Path, target: Path) -> BackupReport:
    if not source.is_file():
        raise BackupError(f"{source}: no database here (check [storage] path)")
    if target.resolve() == source.resolve():
        raise BackupError(f"{target}: that is the live database itself")
    _check_access(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy, pages=PAGES_PER_STEP)
            (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
            (workshops,) = copy.execute("SELECT count(*) FROM workshops").fetchone()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backup failed: {exc}") from exc
    if verdict != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check: {verdict}")
    try:
        os.replace(partial, target)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(target, target.stat().st_size, int(workshops))
