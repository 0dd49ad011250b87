"""Storage basics: migrations, pragmas, idempotent idea intake."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.domain import Stage
from storage import Storage
from storage.db import migrations, utcnow
from storage.models import NewIdea


def exact(norm: str, existing: Sequence[tuple[int, str]]) -> int | None:
    return next((tp_id for tp_id, other in existing if other == norm), None)


async def test_migrations_are_idempotent_and_set_user_version(tmp_path: Path) -> None:
    path = tmp_path / "db" / "t.sqlite3"
    store = await Storage.open(path)
    version = await store.db.schema_version()
    assert version == len(migrations()) >= 1
    mode = await store.db.fetchone("PRAGMA journal_mode")
    fks = await store.db.fetchone("PRAGMA foreign_keys")
    assert mode is not None and mode[0] == "wal"
    assert fks is not None and fks[0] == 1
    await store.close()
    again = await Storage.open(path)
    assert await again.db.schema_version() == version
    await again.close()


async def test_a_redelivered_message_adds_nothing(tmp_path: Path) -> None:
    store = await Storage.open(tmp_path / "t.sqlite3")
    await store.chats.touch(-1, "Team", "supergroup")
    ws = await store.workshops.create(-1, "", 7, "en", "tok", utcnow() + timedelta(minutes=5))
    assert ws is not None
    ideas = [NewIdea("Website chat", "website chat", Stage.NONE)]
    first = await store.touchpoints.add_ideas(ws.id, 7, ideas, exact, limit=150, source=(-1, 10))
    again = await store.touchpoints.add_ideas(ws.id, 7, ideas, exact, limit=150, source=(-1, 10))
    assert [tp.text for tp in first.added] == ["Website chat"]
    assert again.already_seen and not again.added
    other = await store.touchpoints.add_ideas(ws.id, 8, ideas, exact, limit=150, source=(-1, 11))
    assert [tp.votes for tp in other.plus_ones] == [2]
    assert len(await store.touchpoints.live(ws.id)) == 1
    await store.close()


async def test_only_one_active_workshop_per_chat(tmp_path: Path) -> None:
    store = await Storage.open(tmp_path / "t.sqlite3")
    await store.chats.touch(-1, "Team", "supergroup")
    deadline = utcnow() + timedelta(minutes=5)
    assert await store.workshops.create(-1, "", 7, "en", "a", deadline) is not None
    assert await store.workshops.create(-1, "", 7, "en", "b", deadline) is None
    await store.close()
