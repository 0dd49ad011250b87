"""The team's plan: the short plan, /plan all, /action, and the buttons under the items."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pytest
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import InlineKeyboardMarkup, Message

from bot.core.ideas import normalise
from bot.core.plan import build_plan, corrected, short_ids
from bot.core.playbook import load_playbook
from bot.core.scoring import CriterionStats, SpokeScore
from bot.domain import Choice, Criterion
from bot.services.followup import FollowUpService
from bot.services.results import ResultsService
from bot.views.callbacks import PlanAction, PlanOp, ReviewAction, ReviewOp
from storage.models import PlanItem
from tests.harness import Harness
from tests.test_followup import follow, last
from tests.test_rating import Team
from tests.test_results import closed_round

NOW = datetime.now(UTC)


@pytest.fixture
async def team(harness: Harness) -> Team:
    return await closed_round(harness)


def spoke(tp: int, overall: float) -> SpokeScore:
    stats = CriterionStats(mean=overall, count=3, spread=0, low=None, high=None)
    return SpokeScore(
        touchpoint_id=tp,
        position=tp,
        criteria=MappingProxyType(dict.fromkeys(Criterion, stats)),
        team=overall,
        customer=None,
        overall=overall,
        raters=3,
        customer_raters=0,
    )


def test_the_short_plan_is_the_weakest_five_under_the_mean_or_under_7() -> None:
    order = [spoke(n, v) for n, v in enumerate([2.0, 3.0, 4.0, 5.0, 6.0, 6.5, 7.5, 9.0], 1)]
    assert short_ids(order, mean=5.4) == {1, 2, 3, 4, 5}  # 6.5 is sixth: cut at five
    high = [spoke(1, 7.5), spoke(2, 8.0), spoke(3, 9.5)]
    assert short_ids(high, mean=8.33) == {1, 2}  # under the team's mean
    even = [spoke(1, 8.0), spoke(2, 8.0)]
    assert short_ids(even, mean=8.0) == {1}  # nothing weak: the weakest one still


async def plan_items(team: Team) -> list[PlanItem]:
    _ws, items = await follow(team).plan(team.chat.id)
    return items


def plan_message(team: Team) -> Message:
    return Message(message_id=77, date=NOW, chat=team.chat, text="🛠 Action plan")


async def test_plan_all_shows_every_spoke_and_the_short_plan_the_weak_ones(team: Team) -> None:
    await team.h.say(team.bob, team.chat, "/plan")
    assert "Website chat" not in last(team) and "/plan all" in last(team)
    await team.h.say(team.bob, team.chat, "/plan all")
    assert "1. <b>Website chat</b> — 8.0" in last(team)
    markup = team.h.session.of(SendMessage)[-1].reply_markup
    assert isinstance(markup, InlineKeyboardMarkup) and len(markup.inline_keyboard) == 3


async def test_action_replaces_the_suggestion_with_the_teams_words(team: Team) -> None:
    await team.h.say(team.carol, team.chat, "/action 2 Hire a second operator")
    assert "Only the facilitator" in last(team)
    await team.h.say(team.alice, team.chat, "/action 2 " + "x" * 600)
    assert "under 500" in last(team)
    await team.h.say(team.alice, team.chat, "/action 9 Something")
    assert "no plan item 9" in last(team)
    await team.h.say(team.alice, team.chat, "/action")
    assert "Usage: /action N" in last(team)
    phone = next(i for i in await plan_items(team) if i.number == 2)
    assert not phone.own_action
    await team.h.say(team.alice, team.chat, "/action 2   Hire a  second operator ")
    assert "Item 2 now has your own action" in last(team)
    phone = next(i for i in await plan_items(team) if i.number == 2)
    assert phone.action == "Hire a second operator" and phone.own_action
    await team.h.say(team.bob, team.chat, "/plan")
    assert "→ Hire a second operator ✍️" in last(team)
    # The next round's plan starts from the team's words.
    results: ResultsService = team.h.dp["results"]
    latest = await results.latest(team.chat.id)
    assert latest is not None
    choices = await team.h.ctx.store.plans.choices(latest.ws.id)
    assert choices[phone.touchpoint_id] == Choice(None, 0, "Hire a second operator")
    entries = {e.touchpoint_id: e for e in results.plan_entries(latest, choices)}
    assert entries[phone.touchpoint_id].action == "Hire a second operator"


async def test_buttons_take_the_next_suggestion_and_set_the_channel(team: Team) -> None:
    playbook = load_playbook()
    phone = next(i for i in await plan_items(team) if i.number == 2)
    channel = playbook.channel_for("Phone line")
    assert phone.action == channel.action(Criterion.SPEED, "en")
    msg = plan_message(team)
    press = PlanAction(op=PlanOp.NEXT, item=phone.id).pack()
    await team.h.click(team.carol, msg, press)  # not the facilitator: nothing changes
    assert team.h.session.answers()[-1].show_alert
    assert next(i for i in await plan_items(team) if i.number == 2).action == phone.action
    await team.h.click(team.alice, msg, press)
    moved = next(i for i in await plan_items(team) if i.number == 2)
    assert moved.suggestion == 1
    assert moved.action == playbook.suggestions(channel, Criterion.SPEED, "en")[1]
    edit = team.h.session.of(EditMessageText)[-1]
    assert moved.action in edit.text

    await team.h.click(team.alice, msg, PlanAction(op=PlanOp.PICK, item=phone.id).pack())
    picker = team.h.session.of(EditMessageReplyMarkup)[-1].reply_markup
    labels = [b.text for row in picker.inline_keyboard for b in row]
    assert "Office, branch, reception" in labels and "← Back" in labels
    office = next(n for n, c in enumerate(playbook.channels) if c.name == "office")
    await team.h.click(team.alice, msg, PlanAction(op=PlanOp.SET, item=phone.id, ch=office).pack())
    assert "filed under Office, branch, reception" in str(team.h.session.answers()[-1].text)
    filed = next(i for i in await plan_items(team) if i.number == 2)
    assert filed.channel == "office" and filed.suggestion == 0
    assert filed.action == playbook.channels[office].action(Criterion.SPEED, "en")


async def test_forged_and_stale_plan_buttons_change_nothing(team: Team) -> None:
    before = await plan_items(team)
    msg = plan_message(team)
    for data in (
        PlanAction(op=PlanOp.NEXT, item=999_999).pack(),
        PlanAction(op=PlanOp.SET, item=before[0].id, ch=99).pack(),
    ):
        await team.h.click(team.alice, msg, data)
        answer = team.h.session.answers()[-1]
        assert answer.show_alert and "earlier step" in str(answer.text)
    assert await plan_items(team) == before
    followup: FollowUpService = follow(team)
    assert await followup.plan_item(team.chat.id + 1, before[0].id) is None


def test_no_two_items_of_a_plan_share_an_action() -> None:
    # Three phone lines, all weakest on speed: each takes the channel's next action.
    playbook = load_playbook()
    order = [spoke(n, 3.0 + n / 10) for n in (1, 2, 3)]
    texts = {1: "Phone line", 2: "Hotline after 18:00", 3: "Phone line of the reception"}
    entries = build_plan(playbook, order, texts, "en", 6.0, {})
    actions = [e.action for e in entries]
    assert len(set(actions)) == 3
    phone = playbook.channel_for("Phone line")
    assert actions[0] == phone.action(Criterion.SIMPLICITY, "en")
    offered = playbook.suggestions(phone, Criterion.SIMPLICITY, "en")
    assert actions[1:] == offered[1:3]
    # The stored suggestion is the one shown, so "Another action" moves on from it.
    assert [e.choice.suggestion for e in entries] == [0, 1, 2]


def test_a_team_correction_carries_to_the_same_or_a_near_identical_touchpoint() -> None:
    corrections = {normalise("Feedback form on the receipt"): "reviews"}
    assert corrected(normalise("feedback form on the reciept"), corrections) == "reviews"
    assert corrected(normalise("Feedback form on the receipt!"), corrections) == "reviews"
    assert corrected(normalise("Delivery by courier"), corrections) is None


async def test_setting_a_channel_is_remembered_for_the_next_workshop(team: Team) -> None:
    playbook = load_playbook()
    delivery = next(i for i in await plan_items(team) if i.number == 3)
    msg = plan_message(team)
    app = next(n for n, c in enumerate(playbook.channels) if c.name == "app")
    await team.h.click(team.alice, msg, PlanAction(op=PlanOp.SET, item=delivery.id, ch=app).pack())
    # A new workshop in the same chat, where the same touchpoint is typed a little
    # differently, is rated: its plan files it under the team's channel at once.
    await team.h.say(team.alice, team.chat, "/brainstorm 10m")
    await team.h.say(team.bob, team.chat, "/idea Website chat\nPhone line\nDelivery!")
    await team.h.say(team.alice, team.chat, "/finish")
    ws = await team.h.ctx.store.workshops.active(team.chat.id)
    assert ws is not None
    button = Message(message_id=1, date=NOW, chat=team.chat, text="list")
    await team.h.click(team.alice, button, ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id).pack())
    (rnd,) = await team.h.ctx.store.rounds.for_workshop(ws.id)
    for user in (team.alice, team.bob, team.carol):
        await team.rate_everything(user, rnd, [5, 5, 5, 2, 2, 2, 3, 3, 3])
    items = await team.h.ctx.store.plans.for_round(rnd.id)
    texts = {tp.id: tp.text for tp in await team.h.ctx.store.touchpoints.live(ws.id)}
    filed = next(i for i in items if texts[i.touchpoint_id] == "Delivery!")
    assert filed.channel == "app"
    assert filed.action in playbook.suggestions(playbook.channels[app], filed.criterion, "en")


async def test_an_item_without_a_clear_channel_asks_for_one(team: Team) -> None:
    playbook = load_playbook()
    items = await plan_items(team)
    results: ResultsService = team.h.dp["results"]
    ws = await team.h.ctx.store.workshops.get(items[0].workshop_id)
    assert ws is not None
    # A touchpoint nothing in the playbook recognises.
    assert playbook.channel_for("Zxqv plorb").name == "fallback"
    await team.h.ctx.store.touchpoints.rename(items[0].touchpoint_id, "Zxqv plorb", "zxqv plorb")
    with team.h.ctx.speaking("en"):
        lines, keyboard = await results.plan_message(ws, items)
    text = "\n".join(lines)
    assert "Which channel is this?" in text
    first_row = keyboard.inline_keyboard[0]
    assert "Channel" in first_row[0].text and "Another action" in first_row[1].text
    assert all("Another action" in row[0].text for row in keyboard.inline_keyboard[1:])
