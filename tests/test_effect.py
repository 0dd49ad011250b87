"""What the plan did (issue 24), the pure part: statuses, changes since the round an item
was made in, done against untouched spokes, carry-over, item history and the chart marks;
and the words the group reads, in every language with its plural forms."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import openpyxl
import pytest
from aiogram.methods import SendDocument

from bot.core.charts import HistorySpec, Series
from bot.core.effect import (
    Effect,
    Outcome,
    Past,
    Status,
    action_records,
    carry_over,
    done_marks,
    lineage,
    plan_effect,
    round_done,
    status,
)
from bot.core.plan import build_plan, short_ids
from bot.core.playbook import load_playbook
from bot.domain import Choice, Criterion, RoundStatus
from bot.i18n import make_i18n
from bot.render.history import render_history
from bot.render.wheel import fits, label_text, render_wheel
from bot.services.render import Renderer
from bot.views.effect import effect_lines, summary_line
from bot.views.plan import plan_lines, shown
from bot.views.results import wheel_spec
from storage.models import PlanItem, Round
from tests.harness import Harness
from tests.test_followup import follow, last
from tests.test_plan import spoke
from tests.test_rating import Team
from tests.test_results import closed_round, expected_overall
from tests.test_wheel import LONG_RU
from tests.test_wheel import spec as wheel_case

DAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = "2026-12-01"


def item(tp: int, **kw: object) -> Past:
    fields: dict[str, object] = {
        "touchpoint_id": tp,
        "round": 1,
        "made_round": 1,
        "action": f"action {tp}",
        "criterion": Criterion.SPEED,
    }
    fields.update(kw)
    return Past(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"done_at": DAY}, Status.DONE),
        ({"done_at": DAY, "due_date": "2026-11-01"}, Status.DONE),  # done wins over late
        ({"owner_id": 7, "due_date": "2026-11-30"}, Status.OVERDUE),
        ({"due_date": "2026-11-30"}, Status.OVERDUE),
        ({"owner_id": 7, "due_date": TODAY}, Status.IN_PROGRESS),  # due today: not late yet
        ({"owner_id": 7}, Status.IN_PROGRESS),
        ({"due_date": "2026-12-24"}, Status.IN_PROGRESS),
        ({}, Status.NOT_STARTED),
    ],
)
def test_status(fields: dict[str, object], expected: Status) -> None:
    assert status(item(1, **fields), TODAY) is expected


def test_done_spokes_against_the_spokes_without_a_done_action() -> None:
    # Round 1's plan: 1 and 2 done, 3 with an owner, 4 not started; 5 and 6 were not on it.
    previous = [
        item(1, done_at=DAY),
        item(2, done_at=DAY),
        item(3, owner_id=7, due_date="2026-11-25"),
        item(4),
        item(5, short=False),
        item(6, short=False),
    ]
    before = {1: 3.0, 2: 5.0, 3: 4.0, 4: 4.5, 5: 8.0, 6: 7.0}
    now = {1: 5.0, 2: 5.2, 3: 4.5, 4: 4.0, 5: 8.3, 6: 7.0}
    effect = plan_effect(previous, now, {1: before}, TODAY, since=1)
    assert effect is not None
    # Only what was on the plan is reported, in the plan's order.
    assert [o.item.touchpoint_id for o in effect.outcomes] == [1, 2, 3, 4]
    assert [o.status for o in effect.outcomes] == [
        Status.DONE,
        Status.DONE,
        Status.OVERDUE,
        Status.NOT_STARTED,
    ]
    assert [o.change for o in effect.outcomes] == pytest.approx([2.0, 0.2, 0.5, -0.5])
    # 2 rose 0.2 only: done, no change yet; 1 moved.
    assert [o.stalled for o in effect.outcomes] == [False, True, False, False]
    assert effect.done == 2 and effect.done_change == pytest.approx(1.1)
    # 3, 4, 5, 6: (0.5 - 0.5 + 0.3 + 0.0) / 4
    assert effect.others == 4 and effect.others_change == pytest.approx(0.075)
    assert effect.done_ids() == {1, 2}


def test_a_carried_item_counts_from_the_round_it_was_made_in() -> None:
    # Made in round 1, carried into round 2's plan, done before round 3.
    previous = [item(1, round=2, made_round=1, done_at=DAY), item(2, round=2, made_round=2)]
    by_round = {1: {1: 2.0, 2: 6.0}, 2: {1: 3.0, 2: 5.0}}
    effect = plan_effect(previous, {1: 6.0, 2: 5.0}, by_round, TODAY, since=2)
    assert effect is not None
    assert [o.change for o in effect.outcomes] == pytest.approx([4.0, 0.0])
    assert effect.done_change == pytest.approx(4.0)
    # The others' change is since the last round.
    assert effect.others == 1 and effect.others_change == pytest.approx(0.0)


def test_nothing_on_the_previous_plan_means_no_block_and_unrated_spokes_no_change() -> None:
    assert plan_effect([item(1, short=False)], {1: 5.0}, {1: {1: 4.0}}, TODAY, 1) is None
    effect = plan_effect([item(1, done_at=DAY)], {}, {1: {1: 4.0}}, TODAY, 1)
    assert effect is not None and effect.outcomes[0].change is None
    assert effect.outcomes[0].stalled  # done, and nothing shows it moved
    assert effect.done == 0 and effect.done_change is None and effect.others == 0


def test_carry_over_keeps_the_unfinished_and_moves_the_done_to_the_next_action() -> None:
    previous = [
        item(1, done_at=DAY, choice=Choice("phone", 0, "our words")),
        item(2, owner_id=7, due_date="2026-12-24", choice=Choice("web", 1)),
        item(3),  # on the short plan, nobody took it up: still unfinished
        item(4, short=False),  # never on the plan: nothing to carry
        item(5, owner_id=8),  # its touchpoint was dropped from this round
    ]
    carried, after_done = carry_over(previous, rated={1, 2, 3, 4})
    assert set(carried) == {2, 3}
    assert carried[2].owner_id == 7 and carried[2].due_date == "2026-12-24"
    assert carried[2].action == "action 2" and carried[2].choice == Choice("web", 1)
    assert carried[2].made_round == 1
    # Done: the channel's next suggestion; the team's own words are done with.
    assert after_done == {1: Choice("phone", 1, None)}


def test_carried_items_stay_on_the_short_plan_while_weak_and_leave_it_recovered() -> None:
    order = [spoke(n, v) for n, v in enumerate([2.0, 3.0, 4.0, 5.0, 6.0, 6.5, 7.5, 9.0], 1)]
    # Without carried items: the weakest five.
    assert short_ids(order, mean=5.4) == {1, 2, 3, 4, 5}
    # 6 carried and still weak: it stays, the weakest four others fill the places left.
    assert short_ids(order, mean=5.4, keep={6}) == {1, 2, 3, 4, 6}
    # More carried than places: all carried stay while weak; a recovered one (7.5) does not.
    assert short_ids(order, mean=5.4, keep={2, 3, 4, 5, 6, 7}) == {2, 3, 4, 5, 6}


def test_the_plan_keeps_a_carried_items_action_owner_date_and_round() -> None:
    order = [spoke(1, 3.0), spoke(2, 8.5), spoke(3, 4.0)]
    texts = {1: "Phone line", 2: "Website chat", 3: "Delivery"}
    previous = [
        item(1, action="Our own words", owner_id=7, due_date="2026-12-24", made_round=1),
        item(2, owner_id=8, made_round=1),  # recovered: 8.5 is above the line
    ]
    carried, _after = carry_over(previous, rated=texts.keys())
    entries = build_plan(load_playbook(), order, texts, "en", 5.2, {}, carried, 2)
    by_tp = {e.touchpoint_id: e for e in entries}
    kept = by_tp[1]
    assert (kept.action, kept.owner_id, kept.due_date, kept.made_round) == (
        "Our own words",
        7,
        "2026-12-24",
        1,
    )
    assert kept.short and not kept.recovered and kept.criterion is Criterion.SPEED
    assert not by_tp[2].short and by_tp[2].recovered and by_tp[2].owner_id == 8
    fresh = by_tp[3]
    assert fresh.made_round == 2 and fresh.owner_id is None and fresh.short
    assert fresh.action not in {kept.action, by_tp[2].action}


def test_the_round_done_is_the_first_closed_after_the_plan_it_was_done_on() -> None:
    assert round_done(item(1, round=1, done_at=DAY), [1, 2, 3]) == 2
    assert round_done(item(1, round=2, made_round=1, done_at=DAY), [1, 2, 3]) == 3
    assert round_done(item(1, round=3, done_at=DAY), [1, 2, 3]) is None  # not rated again yet
    assert round_done(item(1, round=1), [1, 2, 3]) is None  # not done
    assert round_done(item(1, round=1, done_at=DAY), [1, 3]) == 3  # round 2 not charted
    items = [
        item(1, round=1, done_at=DAY),
        item(2, round=1),
        item(3, round=2, done_at=DAY),
        item(1, round=2, made_round=2, done_at=DAY),
        item(4, round=3, done_at=DAY),
    ]
    assert done_marks(items, [1, 2, 3]) == {1: [1, 2], 3: [2]}


def test_an_items_history_is_one_row_per_action() -> None:
    rows = [
        item(1, round=1, made_round=1, owner_id=7),
        item(1, round=2, made_round=1, owner_id=7, done_at=DAY),  # carried, then done
        item(2, round=1, made_round=1, short=False),  # never on a plan
        item(2, round=2, made_round=2),
        item(3, round=1, made_round=1),
        item(3, round=2, made_round=1, short=False),  # recovered: its history is kept
    ]
    found = lineage(rows)
    assert [(p.touchpoint_id, p.made_round, p.round) for p in found] == [
        (1, 1, 2),
        (3, 1, 2),
        (2, 2, 2),
    ]
    assert found[0].done_at == DAY
    records = action_records(rows, [1, 2, 3], {1: 6.0, 2: 5.0, 3: 8.0}, {1: {1: 3.0, 3: 5.0}})
    assert [(r.round_done, r.change) for r in records] == [(3, 3.0), (None, 3.0), (None, None)]


def effect_of(done: int, others: int) -> Effect:
    outcomes = tuple(Outcome(item(n, done_at=DAY), Status.DONE, 1.0) for n in range(1, done + 1))
    return Effect(
        since=1,
        outcomes=outcomes,
        done=done,
        done_change=1.84 if done else None,
        others=others,
        others_change=0.2 if others else None,
    )


@pytest.mark.parametrize(
    ("locale", "done", "others", "expected"),
    [
        (
            "en",
            3,
            4,
            "📈 3 actions done: their spokes moved +1.8 on average; "
            "the 4 spokes without a done action +0.2.",
        ),
        (
            "en",
            1,
            1,
            "📈 1 action done: its spoke moved +1.8; the 1 spoke without a done action +0.2.",
        ),
        (
            "en",
            0,
            6,
            "📈 No action of that plan is done yet; the 6 spokes without a done action +0.2.",
        ),
        ("en", 2, 0, "📈 2 actions done: their spokes moved +1.8 on average."),
        ("ru", 1, 21, "📈 1 действие сделано: его спица сдвинулась на +1,8; у 21 спицы без"),
        ("ru", 3, 2, "📈 3 действия сделаны: их спицы сдвинулись в среднем на +1,8; у 2 спиц без"),
        ("ru", 5, 5, "📈 5 действий сделано: их спицы сдвинулись в среднем на +1,8; у 5 спиц без"),
        ("nl", 1, 1, "📈 1 actie afgerond: de spaak veranderde met +1,8; de 1 spaak zonder"),
        (
            "nl",
            2,
            3,
            "📈 2 acties afgerond: hun spaken veranderden gemiddeld met +1,8; de 3 spaken",
        ),
    ],
)
def test_the_summary_line_in_every_language(
    locale: str, done: int, others: int, expected: str
) -> None:
    i18n = make_i18n("en")
    with i18n.context(), i18n.use_locale(locale):
        line = summary_line(effect_of(done, others))
    assert line.startswith(expected), line
    assert "caus" not in line and "причин" not in line and "oorza" not in line


def test_the_block_names_status_change_and_the_next_action() -> None:
    previous = [
        item(1, done_at=DAY),
        item(2, done_at=DAY, action="Old action"),
        item(3, owner_id=None, due_date="2026-11-25", made_round=1, round=2),
        item(4, owner_id=None, round=2, made_round=2),
    ]
    by_round = {1: {1: 3.0, 2: 5.0, 3: 4.0}, 2: {1: 4.0, 2: 5.0, 3: 4.0, 4: 6.0}}
    effect = plan_effect(previous, {1: 5.0, 2: 4.8, 3: 4.5, 4: 6.0}, by_round, TODAY, since=2)
    assert effect is not None
    names = {1: (1, "Phone <line>"), 2: (2, "Website"), 3: (3, "Delivery"), 4: (4, "Invoice")}
    i18n = make_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        lines = effect_lines(effect, names, {}, "UTC", {2: "New action", 1: "Other"})
    text = "\n".join(lines)
    assert lines[0] == "🎯 <b>What the plan of round 2 did</b>"
    assert "• 1. Phone &lt;line&gt;: ✅ done on 20 Nov 2026 · ▲ +2.0 since round 1" in text
    assert "• 2. Website: ✅ done on 20 Nov 2026, no change yet · ▼ −0.2 since round 1" in text
    assert "→ next step: New action" in text and "Other" not in text  # 1 moved: no offer
    assert "• 3. Delivery: ⏰ overdue · 📅 25 Nov 2026 · ▲ +0.5 since round 1" in text
    assert "• 4. Invoice: ⚪ not started · ＝" in text and "since round 2" not in text
    assert lines[-1].startswith("📈 2 actions done: their spokes moved +0.9 on average")


# --- the whole loop in-process: round 1, the plan worked on, round 2 -------------------------


async def second_round(team: Team, values: list[int]) -> Round:
    """Alice opens round 2; Alice, Bob and Carol rate it with `values`; it closes."""
    ws = await team.h.ctx.store.workshops.latest(team.chat.id)
    assert ws is not None
    await team.h.say(team.alice, team.chat, "/rate")
    rnd = (await team.h.ctx.store.rounds.for_workshop(ws.id))[-1]
    for user in (team.alice, team.bob, team.carol):
        await team.rate_everything(user, rnd, values)
    closed = await team.h.ctx.store.rounds.get(rnd.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED
    return closed


async def test_round_two_shows_what_the_plan_did_and_carries_the_rest(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await closed_round(harness)
    # Round 1: 1 Website chat 8.0, 2 Phone line ~3.1 (the weakest), 3 Delivery 6.0.
    for command in ("/assign 2 @bob", "/due 2 2w", "/done 2", "/assign 3 @carol", "/due 3 3w"):
        await harness.say(team.alice, team.chat, command)
    _ws, before = await follow(team).plan(team.chat.id)
    old_phone = next(i for i in before if i.number == 2)
    due = next(i for i in before if i.number == 3).due_date
    phone_before = expected_overall(1)
    reports_before = len(harness.session.sent(team.chat.id))

    # Round 2: the phone line rises to 7, the others stay where they were.
    rnd = await second_round(team, [8, 8, 8, 7, 7, 7, 6, 6, 6])
    sent = harness.session.sent(team.chat.id)[reports_before:]
    report = next(m.text for m in sent if "Ranking" in (m.text or ""))
    assert "🎯 <b>What the plan of round 1 did</b>" in report
    phone = next(line for line in report.split("\n") if line.startswith("• 2. Phone line"))
    assert "✅ done on" in phone and f"▲ +{7 - phone_before:.1f}" in phone
    delivery = next(line for line in report.split("\n") if line.startswith("• 3. Delivery"))
    assert "🔧 in progress · 👤 @carol · 📅" in delivery and "＝" in delivery
    # Website chat 8.0 -> 8.0 and Delivery 6.0 -> 6.0: the two without a done action.
    assert (
        f"📈 1 action done: its spoke moved +{7 - phone_before:.1f}; "
        "the 2 spokes without a done action ±0.0." in report
    )
    # The block sits in the one ranking-and-plan message, before the plan.
    assert report.index("What the plan") < report.index("🛠 <b>Action plan</b>")

    # Carry-over: Delivery keeps Carol, its date and its action, since round 1; the done
    # phone line starts afresh with the channel's next action.
    plan = await harness.ctx.store.plans.for_round(rnd.id)
    kept = next(i for i in plan if i.number == 3)
    assert (kept.owner_id, kept.due_date, kept.made_round) == (team.carol.id, due, 1)
    fresh = next(i for i in plan if i.number == 2)
    assert fresh.made_round == 2 and fresh.owner_id is None and fresh.done_at is None
    assert fresh.action != old_phone.action
    await harness.say(team.bob, team.chat, "/plan all")
    shown = last(team)
    assert "🔁 since round 1" in shown.split("3. <b>Delivery</b>")[1].split("\n1.")[0]
    # Made in this round: nothing to say under it (the plan is short, issue 25).
    phone_item = shown.split("2. <b>Phone line</b>")[1].split("\n")[:3]
    assert "round" not in " ".join(phone_item[1:])

    # The wheel ticks the phone line only; the history chart marks round 2 on its line.
    results = await harness.dp["results"].compute(rnd)
    with harness.ctx.speaking("en"):
        spec = wheel_spec(results)
    assert [(s.number, s.done) for s in spec.spokes if s.done] == [(2, True)]
    assert spec.legend_done
    history = await history_asked(harness, team, monkeypatch)
    assert {s.label: list(s.done) for s in history.series} == {
        "1. Website chat": [],
        "2. Phone line": [1],
        "3. Delivery": [],
    }

    # The export's Actions sheet holds the same figures.
    await harness.say(team.alice, team.chat, "/export")
    book = harness.session.of(SendDocument)[-5].document
    sheet = openpyxl.load_workbook(io.BytesIO(book.data))["Actions"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == [
        "#",
        "Touchpoint",
        "Channel",
        "Action",
        "Owner",
        "Due",
        "Done on",
        "Round made",
        "Round done",
        "Spoke change since",
    ]
    by_action = {row[3]: row for row in rows[1:]}
    done_row = by_action[old_phone.action]
    assert done_row[:2] == [2, "Phone line"] and done_row[4] == "@bob"
    assert done_row[6] and done_row[7:] == [1, 2, pytest.approx(round(7 - phone_before, 1))]
    carried_row = by_action[kept.action]
    assert carried_row[4] == "@carol" and carried_row[6] is None
    assert carried_row[7:] == [1, None, 0.0]
    assert fresh.action not in by_action  # 7.0 is not under the line: not on the plan
    report_md = harness.session.of(SendDocument)[-2].document.data.decode()
    assert "## Actions" in report_md and f"| {old_phone.action} | @bob |" in report_md


# --- the pictures and the plan view ------------------------------------------------------


@pytest.mark.parametrize("count", [5, 13, 30])
def test_ticked_labels_still_fit_the_wheel(count: int) -> None:
    base = wheel_case(count, LONG_RU)
    ticked = replace(
        base,
        spokes=[replace(s, done=i % 2 == 0) for i, s in enumerate(base.spokes)],
        legend_done="Действие сделано после прошлого раунда",
    )
    layout = render_wheel(ticked)
    assert fits(layout.label_quads, layout.obstacles)
    assert label_text(ticked.spokes[0], count).startswith("✓\N{NO-BREAK SPACE}1.")
    assert not label_text(ticked.spokes[1], count).startswith("✓")


def test_the_history_chart_draws_its_marks() -> None:
    plain = HistorySpec("T", ["1", "2"], [Series("1. Phone", [2.0, 6.0])], [50.0, 80.0])
    marked = replace(plain, series=[Series("1. Phone", [2.0, 6.0], done=[1])], done_label="✓ done")
    assert render_history(marked)[:4] == b"\x89PNG"
    assert render_history(marked) != render_history(plain)


def plan_item(number: int, **kw: object) -> PlanItem:
    fields: dict[str, object] = {
        "id": number,
        "workshop_id": 1,
        "round_id": 2,
        "touchpoint_id": number,
        "position": number,
        "criterion": Criterion.SPEED,
        "action": f"action {number}",
        "number": number,
        "owner_id": None,
        "due_date": None,
        "done_at": None,
        "made_round": 2,
    }
    fields.update(kw)
    return PlanItem(**fields)  # type: ignore[arg-type]


def test_a_recovered_item_leaves_the_short_plan_but_not_plan_all() -> None:
    items = [
        plan_item(1),
        plan_item(2, short=False, owner_id=7, made_round=1),  # taken up, still open
        plan_item(3, short=False, owner_id=7, made_round=1, recovered=True),
        plan_item(4, short=False),
    ]
    assert [i.number for i in shown(items, every=False)] == [1, 2]
    assert [i.number for i in shown(items, every=True)] == [1, 2, 3, 4]
    i18n = make_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        lines = plan_lines(
            [
                plan_item(1, done_at=DAY, score=5.0, weakest_score=4.0),
                plan_item(2, made_round=1, score=5.0, weakest_score=4.0),
            ],
            {1: "Phone", 2: "Delivery"},
            {},
            TODAY,
            zone="UTC",
            current=2,
        )
    text = "\n".join(lines)
    # The carried item's criterion is what its action works on, not necessarily the weakest.
    assert "1. <b>Phone</b> — 5.0, weakest: response speed 4.0" in text
    assert "2. <b>Delivery</b> — 5.0, the action works on: response speed 4.0" in text
    assert "→ action 1\n✅ 20 Nov 2026\n" in text  # done: no "no owner" line for it
    assert "→ action 2\n🔁 since round 1\n" in text
    assert "No owner or date yet: 2." in text  # once, at the end; 1 is done


async def history_asked(
    harness: Harness, team: Team, monkeypatch: pytest.MonkeyPatch
) -> HistorySpec:
    """Bob asks for /history: the chart's spec the renderer was given."""
    drawn: list[HistorySpec] = []
    renderer: Renderer = harness.dp["results"].renderer
    draw = renderer.history

    async def capture(history: HistorySpec) -> bytes:
        drawn.append(history)
        return await draw(history)

    monkeypatch.setattr(renderer, "history", capture)
    await harness.say(team.bob, team.chat, "/history")
    (history,) = drawn
    return history


@pytest.mark.parametrize(
    ("locale", "said"),
    [("ru", "действие направлено на: скорость реакции 4,0"), ("nl", "de actie richt zich op")],
)
def test_a_carried_items_criterion_is_named_in_the_chats_language(locale: str, said: str) -> None:
    i18n = make_i18n("en")
    with i18n.context(), i18n.use_locale(locale):
        lines = plan_lines(
            [plan_item(2, made_round=1, score=5.0, weakest_score=4.0)],
            {2: "Delivery"},
            {},
            TODAY,
            current=2,
        )
    assert said in "\n".join(lines)
