"""Issue 25's pictures and files: numbers as each language writes them, the history in list
order, the wheel's labels, rings and stages, real date cells, a complete report and one
name for every file."""

from __future__ import annotations

import io
import itertools
import math
import re
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pytest
from aiogram.methods import SendDocument, SendPhoto
from markdown_it import MarkdownIt

from bot.core.charts import HistorySpec, Series, Spoke, WheelSpec, value_text
from bot.core.filenames import file_name
from bot.core.scoring import Answer, score_round
from bot.core.sheets import Table, to_csv, to_xlsx
from bot.domain import CRITERIA, TEAM, Criterion, Phase, RoundStatus, Stage
from bot.i18n import make_i18n
from bot.render.history import dodge, render_history, spread
from bot.render.wheel import (
    RING_CLEARANCE,
    RINGS,
    chord_radius,
    fits,
    label_text,
    render_wheel,
    ring_gap,
    stage_legend,
    value_labels,
)
from bot.views import export as export_views
from bot.views import pictures
from bot.views.results import Results, wheel_spec
from storage.models import PlanItem, Round, RoundItem, User, Workshop
from tests.harness import Harness
from tests.test_effect import history_asked
from tests.test_rating import Team
from tests.test_results import closed_round

# --- numbers on the pictures --------------------------------------------------------------


@pytest.mark.parametrize(("locale", "shown"), [("en", "6.3"), ("ru", "6,3"), ("nl", "6,3")])
def test_picture_numbers_are_written_as_the_language_writes_them(locale: str, shown: str) -> None:
    assert value_text(6.33, locale) == shown
    assert value_text(None, locale) == "—"
    spec = WheelSpec("T", "", [Spoke(1, "Phone", value=6.33), Spoke(2, "Site")], locale=locale)
    assert value_labels(spec) == [shown, "—"]


async def test_the_pictures_speak_the_chat_language(harness: Harness) -> None:
    team = await closed_round(harness)
    results = await harness.dp["results"].latest(team.chat.id)
    assert results is not None
    with harness.ctx.speaking("ru"):
        wheel = wheel_spec(results)
        label = pictures.round_label(2, datetime(2026, 12, 16, 10, tzinfo=UTC))
        trend = pictures.history("T", [label], {}, [80.0])
    assert wheel.locale == "ru" and trend.locale == "ru"
    assert wheel.stage_names[Stage.BEFORE] == "до обращения" and wheel.stage_none == "без этапа"
    assert label == "Раунд 2\n16 дек."
    with harness.ctx.speaking("en"):
        names = wheel_spec(results).stage_names
    # Words that fit a clinic or a town hall as well as a shop.
    assert not any("purchase" in name for name in names.values())


# --- the wheel ----------------------------------------------------------------------------

# The demo's round-2 labels: "8. Follow-up call after the treatment" used to come out
# smaller than its neighbours.
DEMO = [
    ("Website with online booking", Stage.BEFORE, 7.7),
    ("Phone line to the reception", Stage.BEFORE, 6.3),
    ("WhatsApp reminders before the visit", Stage.BEFORE, 8.3),
    ("Treatment plan and price quote", Stage.DURING, 5.3),
    ("Invoice and payment at the desk", Stage.AFTER, 6.7),
    ("Follow-up call after the treatment", Stage.AFTER, 6.3),
    ("Reception desk and waiting room", Stage.NONE, 6.0),
]


def demo_wheel() -> WheelSpec:
    numbers = [1, 2, 3, 5, 6, 8, 4]
    spokes = [
        Spoke(n, text, stage, value=value, previous=value - 1)
        for n, (text, stage, value) in zip(numbers, DEMO, strict=True)
    ]
    return WheelSpec("Patients of Smile Dental · round 2", "5 people rated", spokes, mean=6.7)


def test_every_spoke_label_has_the_same_size() -> None:
    layout = render_wheel(demo_wheel())
    assert len(layout.label_sizes) == len(DEMO) and len(set(layout.label_sizes)) == 1
    assert fits(layout.label_quads, layout.obstacles)


def test_the_untagged_spokes_grey_is_in_the_stage_legend() -> None:
    spec = demo_wheel()
    legend = stage_legend(spec)
    assert [stage for stage, _ in legend] == [Stage.BEFORE, Stage.DURING, Stage.AFTER, Stage.NONE]
    assert legend[-1] == (Stage.NONE, "no stage")
    untagged = WheelSpec("T", "", [Spoke(1, "a"), Spoke(2, "b"), Spoke(3, "c")])
    assert stage_legend(untagged) == []  # no stage anywhere: no band, no legend


def test_a_chord_crosses_the_bisector_where_geometry_says() -> None:
    # Two spokes a quarter turn apart at 5: the chord's middle is 5·cos 45° from the centre.
    assert chord_radius(5, 5, math.pi / 2) == pytest.approx(5 * math.cos(math.pi / 4))
    assert chord_radius(0, 5, 1.0) == 0.0


def test_ring_numbers_go_where_no_line_passes() -> None:
    # Between spokes 1 and 2 the team's line crosses the bisector at 4.0, right on ring 4.
    spokes = [Spoke(i + 1, "x", value=v) for i, v in enumerate([4.62, 4.62, 9, 9, 9, 9])]
    spec = WheelSpec("T", "", spokes)
    step = 2 * math.pi / len(spokes)
    assert chord_radius(4.62, 4.62, step) == pytest.approx(4.0, abs=0.01)
    gap = ring_gap(spec)
    assert gap != 0
    a, b = spokes[gap].value, spokes[(gap + 1) % len(spokes)].value
    assert a is not None and b is not None
    crossing = chord_radius(a, b, step)
    assert all(abs(ring - crossing) >= RING_CLEARANCE for ring in RINGS)


# --- the history chart --------------------------------------------------------------------


def test_points_that_would_hide_each_other_move_apart() -> None:
    offsets = dodge([6.33, 8.0, 6.33, None])
    assert offsets[0] != offsets[2] and offsets[1] == 0.0 and offsets[3] == 0.0
    assert sorted([offsets[0], offsets[2]]) == [-0.5, 0.5]


def test_value_labels_of_one_round_keep_apart() -> None:
    placed = spread([100.0, 100.0, 105.0, 300.0], gap=14.0, low=0.0, high=460.0)
    ordered = sorted(placed)
    assert all(b - a >= 14.0 - 1e-9 for a, b in itertools.pairwise(ordered))
    assert placed[3] == 300.0  # a label with room stays beside its point
    top = spread([455.0, 458.0], gap=14.0, low=0.0, high=460.0)
    assert max(top) <= 460.0 and abs(top[0] - top[1]) >= 14.0


def test_a_history_with_a_dozen_lines_draws() -> None:
    spec = HistorySpec(
        "T",
        ["Round 1\n1 Nov", "Round 2\n1 Dec"],
        [Series(f"{n}. Touchpoint {n}", [5.0, 5.0]) for n in range(1, 13)],
        [70.0, 80.0],
        locale="ru",
    )
    assert render_history(spec)[:4] == b"\x89PNG"


class Staged(Team):
    """Stages put the wheel's order (2, 1, 3) apart from the list's (1, 2, 3)."""

    async def workshop_in_review(self, ideas: str = "") -> Any:
        return await super().workshop_in_review("Website chat #after\nPhone line #before")


async def test_history_table_and_workbook_go_by_list_number(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await closed_round(harness, Staged(harness))
    results = await harness.dp["results"].latest(team.chat.id)
    assert results is not None
    assert [i.number for i in sorted(results.items, key=lambda i: i.position)] == [2, 1, 3]
    spec = await history_asked(harness, team, monkeypatch)
    assert [s.label for s in spec.series] == ["1. Website chat", "2. Phone line", "3. Delivery"]
    assert spec.rounds[0].startswith("Round 1\n")
    table = harness.session.sent(team.chat.id)[-1].text
    assert table.index("Website chat") < table.index("Phone line") < table.index("Delivery")

    await harness.say(team.alice, team.chat, "/export")
    xlsx = next(d for d in harness.session.of(SendDocument) if d.document.filename.endswith("x"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.document.data))
    assert [row[0] for row in list(book.worksheets[0].values)[1:]] == [1, 2, 3]
    answers = list(book.worksheets[1].values)[1:]
    first = [(row[1], row[3]) for row in answers if row[0] == "R1"]
    order = ["Simplicity", "Convenience", "Response speed"]
    assert first == [(n, c) for n in (1, 2, 3) for c in order]


# --- files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "shown"), [("en", "d mmm yyyy"), ("ru", "dd.mm.yyyy"), ("nl", "d-m-yyyy")]
)
def test_dates_are_date_cells(locale: str, shown: str) -> None:
    table: Table = (["#", "Due"], [[1, date(2026, 12, 16)], [2, None]])
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([("S", table)], locale)))["S"]
    cell = sheet["B2"]
    assert cell.is_date and cell.value == datetime(2026, 12, 16)
    assert cell.number_format == shown
    assert sheet["B3"].value is None
    # A CSV holds the ISO date every spreadsheet reads as one.
    assert "2026-12-16" in to_csv(table, locale).decode("utf-8-sig")


def test_long_texts_wrap_in_a_column_of_sensible_width() -> None:
    action = "Call back every missed call within 15 minutes and track missed calls weekly. " * 2
    table: Table = (["#", "Action", "Owner"], [[1, action, "@bob"], [2, "Short", ""]])
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([("S", table)])))["S"]
    assert sheet["B2"].alignment.wrap_text and sheet["B3"].alignment.wrap_text
    assert 30 <= sheet.column_dimensions["B"].width <= 60
    assert not sheet["C2"].alignment.wrap_text and sheet["C2"].alignment.vertical == "top"


async def test_due_dates_come_back_from_export_as_dates(harness: Harness) -> None:
    team = await closed_round(harness)
    await harness.say(team.alice, team.chat, f"/assign 2 @{team.bob.username}")
    await harness.say(team.alice, team.chat, "/due 2 2w")
    await harness.say(team.alice, team.chat, "/export")
    xlsx = next(d for d in harness.session.of(SendDocument) if d.document.filename.endswith("x"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.document.data))
    for sheet in book.worksheets[0], book.worksheets[2]:  # touchpoints, the plan
        head = [c.value for c in sheet[1]]
        due = [row[head.index("Due")] for row in sheet.iter_rows(min_row=2)]
        dated = [c for c in due if c.value is not None]
        assert len(dated) == 1 and dated[0].is_date and isinstance(dated[0].value, datetime)
    plan_head = [c.value for c in book.worksheets[2][1]]
    assert any("/plan" in str(h) for h in plan_head)  # says what the short plan is


def report_case() -> Results:
    """Round 2 of two spokes, the first with an owner and a due date, both rated before."""
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    texts = ["Phone *line*", "Site"]
    items = tuple(RoundItem(n + 1, 100 + n, n + 1, t, Stage.NONE) for n, t in enumerate(texts))
    answers = tuple(
        Answer(100 + n, rater, criterion, value, TEAM)
        for n, base in enumerate([6, 8])
        for rater in (1, 2, 3)
        for criterion, value in zip(CRITERIA, [base, base + 1, base - 1], strict=True)
    )
    return Results(
        ws=Workshop(1, -1, "Topic", 1, "ru", Phase.RESULTS, "token", None, now, None, None),
        rnd=Round(2, 1, 2, "token", RoundStatus.CLOSED, now, now, now, None, True),
        items=items,
        score=score_round([i.touchpoint_id for i in items], answers),
        answers=answers,
        previous={100: 5.0, 101: 8.5},
        previous_roundness=66.0,
        chat_title="Team",
        zone="Europe/Moscow",
    )


def test_the_report_has_owners_due_dates_changes_and_the_roundness_trend() -> None:
    results = report_case()
    item = PlanItem(
        id=1,
        workshop_id=1,
        round_id=2,
        touchpoint_id=100,
        position=1,
        criterion=Criterion.SPEED,
        action="Answer within three rings",
        number=1,
        owner_id=7,
        due_date="2026-12-16",
        done_at=None,
    )
    owners = {7: User(7, "bob_k", "Bob", "ru", True, False)}
    i18n = make_i18n("en")
    with i18n.context(), i18n.use_locale("ru"):
        report = export_views.report(results, [item], owners, [(1, 66.0), (2, 86.4)])
    assert "Округлость: 66 в раунде 1 → 86 в раунде 2" in report
    assert "| Изменение |" in report
    assert "| 6,0 | +1,0 | 3 |" in report  # the phone line: 5.0 → 6.0
    assert "| 8,0 | −0,5 | 3 |" in report  # the site: 8.5 → 8.0
    assert "средняя оценка 7,0" in report
    plan = report[report.index("## ") :]
    assert "ответственный: @bob\\_k" in plan and "срок: 16 дек. 2026" in plan
    body = report.split("\n", 1)[1]  # the title's date is the chat's own (views.results)
    assert not re.search(r"\d\.\d", body)  # no decimal point anywhere
    html = MarkdownIt("commonmark").enable("table").render(report)
    assert "Phone *line*" in html and "@bob_k" in html  # typed text stays literal


# --- one naming scheme ----------------------------------------------------------------------


def test_file_names_follow_one_scheme() -> None:
    assert file_name(2, "wheel") == "touchwheel-round-2-wheel.png"
    assert file_name(2, ext="xlsx") == "touchwheel-round-2.xlsx"
    assert file_name(12, "report", "md") == "touchwheel-round-12-report.md"


async def test_every_file_the_bot_sends_is_named_alike(harness: Harness) -> None:
    team = await closed_round(harness)
    await harness.say(team.bob, team.chat, "/history")
    await harness.say(team.alice, team.chat, "/export")
    wheel, history = (p.photo.filename for p in harness.session.of(SendPhoto))
    documents = [d.document.filename for d in harness.session.of(SendDocument)]
    assert wheel == "touchwheel-round-1-wheel.png"
    assert history == "touchwheel-round-1-history.png"
    scheme = re.compile(r"^touchwheel-round-1(-[a-z]+(-[a-z]+)*)?\.(xlsx|csv|md|png)$")
    assert all(scheme.match(name) for name in documents), documents
    assert wheel in documents  # the posted wheel and the exported one: the same name


def test_a_narrower_wrap_never_costs_a_word() -> None:
    """Re-wrapping a label that does not fit keeps every word: past four lines it keeps
    its usual width instead of ending in an ellipsis."""
    spoke = Spoke(3, "Группа ВКонтакте с сотней неотвеченных сообщений")
    text = label_text(spoke, 8, narrow=True)
    assert "…" not in text and len(text.split("\n")) <= 4
    assert (
        label_text(Spoke(8, "Follow-up call after the treatment"), 8, narrow=True).count("\n") == 2
    )
