"""A rating round with the real bot: four members, an outsider, a forged press, a SIGKILL,
the deadline, and the results that follow."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from tests.conftest import BotProcess, RunBot
from tests.e2e.steps import brainstorm_to_review, open_wizard, tap
from tests.fakeapi import FakeTelegram, Sent
from tests.fakeapi.wire import GROUP_LIMIT_PER_MINUTE


def closed_at(db: Path) -> str | None:
    """When the bot stored the round as closed (None: open)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        found = conn.execute("SELECT closed_at FROM rounds").fetchone()
    return None if found is None else found[0]


def stored(db: Path) -> dict[tuple[int, str, str], int | None]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT r.rater_id, t.text, r.criterion, r.value FROM ratings r "
            "JOIN touchpoints t ON t.id = r.touchpoint_id"
        ).fetchall()
    return {(rater, text, criterion): value for rater, text, criterion, value in rows}


async def test_rating_round_end_to_end(tg: FakeTelegram, run_bot: RunBot, tmp_path: Path) -> None:
    bot: BotProcess = await run_bot(min_raters=3)
    alice, bob, carol, dave = (tg.user(n) for n in ("Alice", "Bob", "Carol", "Dave"))
    eve = tg.user("Eve")
    group = tg.group("Team", members=[alice, bob, carol, dave], admins=[alice])

    def wheels() -> list[Sent]:
        return [m for m in tg.bot_messages(group) if m.kind == "photo"]

    final = await brainstorm_to_review(
        tg, group, alice, [(bob, "Website chat"), (carol, "Phone line"), (dave, "Delivery")]
    )
    await tg.press(alice, final, "Shortlist & rate")
    announcement = await tg.wait_message(group, "Rating round 1")
    url = announcement.button("Rate privately")["url"]
    token = url.split("start=r_", 1)[1]
    assert len(token) >= 16

    # An outsider is refused, and nothing is stored for them.
    await tg.start_bot(eve, f"r_{token}")
    await tg.wait_message(tg.private(eve), "for members of the group")

    wizard = await open_wizard(tg, bob, token)
    assert "Touchpoint 1 of 3" in wizard.text and "Simplicity" in wizard.text
    for label in ("8", "7"):
        await tap(tg, bob, wizard, label)
    await tap(tg, bob, wizard, "◀ Back")
    assert "Convenience" in wizard.text and wizard.button("•7•")
    for label in ("7", "6", "5", "5", "Skip ⏭", "3", "2", "1"):
        await tap(tg, bob, wizard, label)
    assert "Your answers" in wizard.text
    await tap(tg, bob, wizard, "✏️ 2")  # change Phone line
    for label in ("4", "6", "2"):
        await tap(tg, bob, wizard, label)
    assert "Your answers" in wizard.text and "2. Phone line: 4 · 6 · 2" in wizard.text

    # A forged press changes nothing.
    forged = await tg.press_data(bob, wizard, "rt:v:9999:0:5")
    assert forged["show_alert"]

    carol_wizard = await open_wizard(tg, carol, token)
    for label in ("6", "6", "6", "2"):
        answer = await tap(tg, carol, carol_wizard, label)
        assert "Saved" in str(answer["text"])
    await bot.restart()  # SIGKILL mid-round
    carol_wizard = await open_wizard(tg, carol, token)
    assert "Touchpoint 2 of 3" in carol_wizard.text and "Convenience" in carol_wizard.text
    for label in ("3", "4", "7", "7", "7"):
        await tap(tg, carol, carol_wizard, label)

    dave_wizard = await open_wizard(tg, dave, token)
    for label in ("5",) * 8 + ("Skip ⏭",):
        await tap(tg, dave, dave_wizard, label)
    # The bot acts on a finish (stores the round as closed, or not) before it answers the
    # last tap, and that answer is in: a close for three of four would be stored already.
    assert closed_at(tmp_path / "bot.sqlite3") is None and not wheels()
    alice_wizard = await open_wizard(tg, alice, token)
    for label in ("10", "10"):
        await tap(tg, alice, alice_wizard, label)

    # Alice never finishes, so the round stays open until the facilitator closes it.
    assert closed_at(tmp_path / "bot.sqlite3") is None and not wheels()
    await tg.send(alice, group, "/finish")
    photo = await tg.wait_for(lambda: next(iter(wheels()), None), timeout=60, what="the wheel")
    assert photo.file is not None and photo.file[:4] == b"\x89PNG"
    assert "Roundness" in photo.text and "4 people rated" in photo.text
    table = await tg.wait_message(group, "Ranking")
    # Website chat: simplicity (8 + 6 + 5 + 10) / 4 = 7.25, convenience 7.0, speed 17 / 3.
    assert "1. Website chat\n6.6 · S 7.2 C 7.0 R 5.7\n" in table.text
    assert "3. Delivery · 3 raters\n4.6 · S 5.0 C 4.7 R 4.0 ⚠\n" in table.text
    assert "2. Phone line · 3 raters\n4.0 · S 3.7 C 4.7 R 3.7\n" in table.text
    report = (await tg.wait_message(group, "Action plan")).text
    plan = report[report.index("Action plan") :]  # after the ranking, in the same message
    assert plan.index("Phone line") < plan.index("Delivery") < plan.index("Website chat")
    assert wheels() == [photo]  # the results are all out: no wheel came before /finish's

    # A button from the closed round changes nothing.
    closed = await tg.press(alice, alice_wizard, "3")
    assert closed["show_alert"] and "closed" in str(closed["text"])

    ids = {u.first_name: u.id for u in (alice, bob, carol, dave)}
    tapped: dict[str, dict[str, tuple[int | None, ...]]] = {
        "Bob": {"Website chat": (8, 7, 6), "Phone line": (4, 6, 2), "Delivery": (3, 2, 1)},
        "Carol": {"Website chat": (6, 6, 6), "Phone line": (2, 3, 4), "Delivery": (7, 7, 7)},
        "Dave": {"Website chat": (5, 5, 5), "Phone line": (5, 5, 5), "Delivery": (5, 5, None)},
        "Alice": {"Website chat": (10, 10)},
    }
    expected = {
        (ids[name], text, criterion): value
        for name, spokes in tapped.items()
        for text, values in spokes.items()
        for criterion, value in zip(("simplicity", "convenience", "speed"), values, strict=False)
    }
    assert stored(tmp_path / "bot.sqlite3") == expected
    assert tg.max_sends_per_window(group) <= GROUP_LIMIT_PER_MINUTE


async def test_the_deadline_closes_a_round(tg: FakeTelegram, run_bot: RunBot) -> None:
    await run_bot(min_raters=1)
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Team", members=[alice, bob], admins=[alice])
    await brainstorm_to_review(tg, group, alice, [(bob, "Phone line")])
    await tg.send(alice, group, "/rate 20s")  # room for a busy machine
    announcement = await tg.wait_message(group, "Rating round 1")
    token = announcement.button("Rate privately")["url"].split("start=r_", 1)[1]
    wizard = await open_wizard(tg, bob, token)
    await tap(tg, bob, wizard, "4")
    table = await tg.wait_message(group, "Ranking", timeout=90)
    assert "1. Phone line\n4.0 · S 4.0 C — R —\n" in table.text
    await tg.wait_for(lambda: "Closed" in announcement.text, what="the closed announcement")
    assert not announcement.buttons()
