"""`python -m bot backup PATH`: a consistent copy of the database while the bot runs.

SQLite's online backup API copies the pages in small steps, so the running bot keeps
writing in between; the copy is checked (`PRAGMA integrity_check`) before it replaces the
target, so a failed backup never leaves a half-written file under the target's name.
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


def backup(source: Path, target: Path) -> BackupReport:
    """Copy the database at `source` to `target` (replaced atomically if it exists)."""
    if not source.is_file():
        raise BackupError(f"{source}: no database here (check [storage] path)")
    if target.resolve() == source.resolve():
        raise BackupError(f"{target}: that is the live database itself")
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
    os.replace(partial, target)
    return BackupReport(target, target.stat().st_size, int(workshops))
