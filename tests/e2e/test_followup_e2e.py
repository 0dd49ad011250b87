"""Two rounds with the real bot: deltas per spoke, the roundness trend and /history."""

from __future__ import annotations

from tests.conftest import RunBot
from tests.e2e.steps import brainstorm_to_review, rate_round
from tests.fakeapi import FakeTelegram


async def test_two_rounds_show_what_moved(tg: FakeTelegram, run_bot: RunBot) -> None:
    await run_bot(min_raters=1)
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Team", members=[alice, bob], admins=[alice])
    await brainstorm_to_review(tg, group, alice, [(bob, "Phone line\nWebsite chat")], "Support")

    first = (await rate_round(tg, group, alice, bob, 1, ["2", "2", "2", "6", "6", "6"])).text
    assert "2. Website chat\n6.0 · S 6.0 C 6.0 R 6.0\n" in first
    second = (await rate_round(tg, group, alice, bob, 2, ["5", "5", "5", "5", "5", "5"])).text
    assert "1. Phone line\n5.0 ▲ +3.0 · S 5.0 C 5.0 R 5.0\n" in second
    assert "2. Website chat\n5.0 ▼ −1.0 · S 5.0 C 5.0 R 5.0\n" in second
    wheels = [m for m in tg.bot_messages(group) if m.kind == "photo"]
    assert len(wheels) == 2
    # Round 1: spokes 2 and 6, mean 4, stdev 2 -> 50; round 2: all equal -> 100.
    assert "Roundness trend: 50 → 100" in wheels[1].text
    assert wheels[0].file != wheels[1].file

    await tg.send(bob, group, "/history")
    chart = await tg.wait_for(
        lambda: next(
            (
                m
                for m in tg.bot_messages(group)
                if m.kind == "photo" and "Trend across 2 rounds" in m.text
            ),
            None,
        ),
        what="the history chart",
    )
    assert chart.file is not None and chart.file[:4] == b"\x89PNG"
    table = await tg.wait_message(group, "#2")
    assert "Phone line" in table.text and "#1" in table.text and "#2" in table.text
    assert "2.0   5.0" in table.text and "50   100" in table.text
