"""Storage basics: migrations, pragmas, idempotent idea intake."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from bot.domain import JobKind, Stage
from storage import Storage
from storage.db import migrations, to_iso, utcnow
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


async def test_pruning_drops_old_ended_jobs_and_message_marks_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    store = await Storage.open(tmp_path / "t.sqlite3")
    await store.chats.touch(-1, "Team", "supergroup")
    now = utcnow()
    ws = await store.workshops.create(-1, "", 7, "en", "tok", now + timedelta(minutes=5))
    assert ws is not None
    ideas = [NewIdea("Website chat", "website chat", Stage.NONE)]
    for message_id in (10, 11):
        await store.touchpoints.add_ideas(
            ws.id, 7, ideas, exact, limit=150, source=(-1, message_id)
        )
    for key in ("old-done", "new-done", "old-pending"):
        await store.jobs.put(key, JobKind.DUE_REMINDER, -1, now - timedelta(days=40))
    await store.jobs.finish("old-done", now - timedelta(days=40))
    await store.jobs.finish("new-done", now - timedelta(days=40))
    # Age the rows as the days would (nothing else sets a past time).
    long_ago = to_iso(now - timedelta(days=40))
    await store.db.execute("UPDATE jobs SET done_at = ? WHERE key = 'old-done'", (long_ago,))
    await store.db.execute(
        "UPDATE processed_messages SET seen_at = ? WHERE message_id = 10", (long_ago,)
    )

    assert await store.jobs.prune(now - timedelta(days=30), now - timedelta(days=7)) == (1, 1)

    keys = await store.db.fetchall("SELECT key FROM jobs ORDER BY key")
    assert [row[0] for row in keys] == ["new-done", "old-pending"]
    kept = await store.db.fetchall("SELECT message_id FROM processed_messages")
    assert [row[0] for row in kept] == [11]
    # A redelivery of the message still marked is still recognised.
    again = await store.touchpoints.add_ideas(ws.id, 7, ideas, exact, limit=150, source=(-1, 11))
    assert again.already_seen
    await store.close()
