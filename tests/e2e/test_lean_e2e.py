"""The group's message budget at Telegram's real pacing: a four-rater workshop from
/brainstorm to the plan in a dozen group messages, the last tap answered at once while it
closes the round, and the plan out within seconds of the close."""

from __future__ import annotations

import pytest

from tests.conftest import RunBot
from tests.e2e.steps import brainstorm_to_review, open_wizard, tap
from tests.fakeapi import FakeTelegram

# Telegram's own window: 20 messages in any 60 seconds per group, for the fake and the bot.
REAL_WINDOW = 60.0
MAX_GROUP_MESSAGES = 12
LAST_TAP_ANSWERED_WITHIN = 2.0
PLAN_WITHIN = 10.0


@pytest.fixture
def group_window() -> float:
    """Telegram's real minute here, not the shortened one the other e2e tests use."""
    return REAL_WINDOW


async def test_a_four_rater_workshop_is_lean_at_real_pacing(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    await run_bot(min_raters=3)
    team = [tg.user(n) for n in ("Alice", "Bob", "Carol", "Dave")]
    alice, bob, carol, dave = team
    group = tg.group("Team", members=team, admins=[alice])
    final = await brainstorm_to_review(
        tg,
        group,
        alice,
        [(bob, "Website chat"), (carol, "Phone line"), (dave, "Delivery"), (bob, "Invoice")],
    )
    await tg.press(alice, final, "Shortlist & rate")
    announcement = await tg.wait_message(group, "Rating round 1")
    token = announcement.button("Rate privately")["url"].split("start=r_", 1)[1]

    # Everyone answers everything; the last tap of the last rater closes the round.
    wizards = {user.id: await open_wizard(tg, user, token) for user in team}
    for user in team:
        steps = 4 * 3
        for n in range(steps - (1 if user is dave else 0)):
            await tap(tg, user, wizards[user.id], str(3 + (n + user.id) % 6))
    wizard = wizards[dave.id]
    last = await tg.push_callback(dave, wizard, wizard.button("7")["callback_data"])
    await tg.wait_for(lambda: last in tg.callback_answers, what="the last tap's answer")
    answered_in = tg.callback_answered_at[last] - tg.callback_pushed_at[last]
    assert answered_in <= LAST_TAP_ANSWERED_WITHIN, answered_in

    report = await tg.wait_message(group, "Action plan", timeout=60)
    assert "Ranking" in report.text  # the ranking and the plan: one message
    plan_in = report.sent_at - tg.callback_pushed_at[last]
    assert plan_in <= PLAN_WITHIN, plan_in
    wheels = [m for m in tg.bot_messages(group) if m.kind == "photo"]
    assert len(wheels) == 1 and wheels[0].message_id < report.message_id
    # The raters' summaries are closed only after the results are out.
    await tg.wait_for(lambda: "Closed" in announcement.text, what="the closed round message")

    sent = tg.bot_messages(group)
    assert len(sent) <= MAX_GROUP_MESSAGES, [m.text[:40] for m in sent]
    assert not [e for e in tg.errors if "not modified" not in e[2]], tg.errors
