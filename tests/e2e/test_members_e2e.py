"""Members who leave, with the real bot: it asks Telegram for chat_member updates and drops
who left from /start's open rounds (issue 27)."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tests.conftest import RunBot
from tests.e2e.steps import brainstorm_to_review
from tests.fakeapi import FakeTelegram, FakeUser, Sent


async def start_buttons(tg: FakeTelegram, user: FakeUser) -> list[str]:
    """The round buttons under the bot's answer to a private /start."""
    before = len(tg.bot_messages(tg.private(user)))
    await tg.start_bot(user)

    def answer() -> Sent | None:
        sent = tg.bot_messages(tg.private(user))
        return sent[before] if len(sent) > before else None

    found: Sent = await tg.wait_for(answer, what="the answer to /start")
    rows = (found.markup or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def is_member(db: Path, chat_id: int, user_id: int) -> bool:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        row = conn.execute(
            "SELECT 1 FROM members WHERE chat_id = ? AND user_id = ?", (chat_id, user_id)
        ).fetchone()
    return row is not None


async def test_who_leaves_the_group_no_longer_sees_its_rounds(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    await run_bot()
    alice, bob, carol = (tg.user(n) for n in ("Alice", "Bob", "Carol"))
    group = tg.group("Team", members=[alice, bob, carol], admins=[alice])
    final = await brainstorm_to_review(
        tg, group, alice, [(bob, "Website chat"), (carol, "Phone line"), (bob, "Delivery")]
    )
    await tg.press(alice, final, "Shortlist & rate")
    await tg.wait_message(group, "Rating round 1")
    assert len(await start_buttons(tg, bob)) == 1
    # The bot asked for chat_member updates (Telegram sends none otherwise).
    assert tg.allowed_updates is not None and "chat_member" in tg.allowed_updates

    await tg.set_member(group, bob, "left", by=bob)
    assert not tg.dropped_updates
    db = tmp_path / "bot.sqlite3"
    await tg.wait_for(lambda: not is_member(db, group.id, bob.id), what="Bob gone")
    assert await start_buttons(tg, bob) == []
    assert len(await start_buttons(tg, carol)) == 1
