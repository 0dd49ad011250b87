"""What the plan did, with the real bot: round 1, an owner, a date and /done on the weakest
item, round 2; its results show the item done with its change, done against untouched, an
unfinished item carried with its owner and date, and the same figures in the export."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl

from bot.core.localized import day
from tests.conftest import RunBot
from tests.e2e.steps import brainstorm_to_review, rate_round
from tests.fakeapi import FakeChat, FakeTelegram, FakeUser, Sent


async def command(
    tg: FakeTelegram, group: FakeChat, user: FakeUser, text: str, reply: str
) -> Sent:
    after = max(m.message_id for m in tg.messages[group.id])
    await tg.send(user, group, text)
    return await tg.wait_message(group, reply, after=after)


def line_of(text: str, start: str) -> str:
    return next(line for line in text.split("\n") if line.startswith(start))


async def test_round_two_shows_what_the_plan_did(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    await run_bot(min_raters=1)
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Team", members=[alice, bob], admins=[alice])
    ideas = "Phone line\nWebsite chat\nDelivery"
    await brainstorm_to_review(tg, group, alice, [(bob, ideas)], "Support")

    # Round 1: Phone line 2 (the weakest), Website chat 8, Delivery 5; mean 5.
    await rate_round(tg, group, alice, bob, 1, ["2"] * 3 + ["8"] * 3 + ["5"] * 3)
    await command(tg, group, alice, "/assign 1 @bob", "Item 1 goes to @bob")
    await command(tg, group, alice, "/due 1 2w", "Item 1 is due on")
    await command(tg, group, bob, "/done 1", "Item 1 is done")
    await command(tg, group, alice, "/assign 3 @alice", "Item 3 goes to @alice")
    await command(tg, group, alice, "/due 3 3w", "Item 3 is due on")

    # Round 2: the phone line rose to 6, the others stayed.
    report = await rate_round(tg, group, alice, bob, 2, ["6"] * 3 + ["8"] * 3 + ["5"] * 3)
    text = report.text
    assert "🎯 What the plan of round 1 did" in text
    phone = line_of(text, "• 1. Phone line: ")
    assert f"✅ done on {day(date.today(), 'en')}" in phone and "▲ +4.0" in phone, phone
    due = date.today() + timedelta(weeks=3)
    delivery = line_of(text, "• 3. Delivery: ")
    assert f"🔧 in progress · 👤 @alice · 📅 {day(due, 'en')} · ＝" in delivery, delivery
    assert (
        "📈 1 action done: its spoke moved +4.0; the 2 spokes without a done action ±0.0." in text
    )
    assert text.index("What the plan") < text.index("🛠 Action plan")
    wheels = [m for m in tg.bot_messages(group) if m.kind == "photo"]
    assert len(wheels) == 2
    (tmp_path / "wheel-round-2.png").write_bytes(wheels[1].file or b"")

    # The unfinished item carried over with its owner and date, since round 1.
    shown = await command(tg, group, bob, "/plan", "🛠 Action plan")
    carried = shown.text.split("3. Delivery", 1)[1].split("\n\n", 1)[0]
    assert f"👤 @alice · 📅 {day(due, 'en')}" in carried and "🔁 since round 1" in carried, carried

    history = await command(tg, group, bob, "/history", "Trend across 2 rounds")
    (tmp_path / "history.png").write_bytes(history.file or b"")

    # The export's Actions sheet holds the same figures.
    after = max(m.message_id for m in tg.messages[group.id])
    await tg.send(alice, group, "/export")
    book = await tg.wait_for(
        lambda: next(
            (
                m
                for m in tg.bot_messages(group)
                if m.message_id > after and m.kind == "document" and (m.file or b"")[:2] == b"PK"
            ),
            None,
        ),
        what="the workbook",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(book.file or b""))["Actions"]
    rows = {(row[1], row[7]): row for row in sheet.iter_rows(min_row=2, values_only=True)}
    two_weeks, today = date.today() + timedelta(weeks=2), date.today()
    # Due and done are date cells (openpyxl reads them back as midnight datetimes).
    due_cell, done_cell = (datetime.combine(d, time()) for d in (two_weeks, today))
    done = ("@bob", due_cell, done_cell, 1, 2, 4.0)
    assert rows["Phone line", 1][4:] == done
    # Still under 7: the phone line has a fresh item of round 2, with the next action.
    assert rows["Phone line", 2][4:] == (None, None, None, 2, None, 0)
    assert rows["Phone line", 2][3] != rows["Phone line", 1][3]
    assert rows["Delivery", 1][4:] == ("@alice", datetime.combine(due, time()), None, 1, None, 0)
    assert {name for name, _round in rows} == {"Phone line", "Delivery"}  # never on a plan
