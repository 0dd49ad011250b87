"""Results after a real round: the wheel, the table's numbers, the plan and /export."""

from __future__ import annotations

import codecs
import csv
import io
import re
import statistics
from dataclasses import replace

import openpyxl
import pytest
from aiogram.methods import SendDocument, SendPhoto

from bot.domain import RoundStatus
from bot.services.export import ExportService
from bot.views.results import table_lines, wheel_spec
from tests.harness import Harness
from tests.test_rating import Team

# Three raters × three touchpoints (Website chat, Phone line, Delivery) × three criteria.
VALUES = {
    "alice": [8, 8, 8, 2, 3, 1, 6, 6, 6],
    "bob": [9, 7, 8, 3, 3, 2, 5, 7, 6],
    "carol": [7, 9, 8, 9, 2, 3, 7, 5, 6],
}


async def closed_round(harness: Harness, team: Team | None = None) -> Team:
    """Alice, Bob and Carol rate every spoke with VALUES; the round closes by itself."""
    team = team or Team(harness)
    _, rnd = await team.open_round()
    await harness.ctx.store.users.seen(team.alice.id, "alice", "Alice", "en", team.chat.id)
    for user in (team.alice, team.bob, team.carol):
        await team.rate_everything(user, rnd, VALUES[user.first_name.lower()])
    found = await harness.ctx.store.rounds.get(rnd.id)
    assert found is not None and found.status is RoundStatus.CLOSED
    return team


@pytest.fixture
async def closed(harness: Harness) -> Team:
    return await closed_round(harness)


def mean(values: list[int]) -> float:
    return statistics.fmean(values)


def expected_overall(spoke: int) -> float:
    """By hand from VALUES: mean of the three criterion means of one spoke."""
    per = [[VALUES[r][spoke * 3 + c] for r in VALUES] for c in range(3)]
    return statistics.fmean(mean(v) for v in per)


async def test_closing_posts_wheel_table_and_plan(closed: Team) -> None:
    session = closed.h.session
    (photo,) = session.of(SendPhoto)
    assert int(photo.chat_id) == closed.chat.id
    assert "Roundness" in (photo.caption or "") and "3 people rated" in (photo.caption or "")
    texts = [r.text for r in session.sent(closed.chat.id) if not isinstance(r.method, SendPhoto)]
    # One message after the wheel: the ranking, then the plan.
    body = texts[-1]
    assert "Ranking" in body and "Action plan" in body
    plan = body[body.index("Action plan") :]
    assert len(session.sent(closed.chat.id)) - len(texts) == 1  # the wheel
    # Phone line: simplicity (2+3+9)/3 = 4.67, convenience 2.67, speed 2.0 -> overall 3.11
    assert f"{expected_overall(1):.1f}" == "3.1"
    assert "2. Phone line\n<b>3.1</b> · S 4.7 C 2.7 R 2.0 ⚠\n" in body
    assert "1. Website chat\n<b>8.0</b> · S 8.0 C 8.0 R 8.0\n" in body
    assert "⚠ the team disagrees here" in body  # the key, as a row has ⚠
    assert plan.index("Phone line") < plan.index("Delivery")
    assert "weakest: response speed 2.0" in plan
    assert "Website chat" not in plan  # 8.0 is not weak: nothing to fix there
    assert "Call back every missed call" in plan or "call back every missed call" in plan


async def test_export_parses_back_to_the_same_numbers(closed: Team) -> None:
    await closed.h.say(closed.alice, closed.chat, "/export")
    docs = closed.h.session.of(SendDocument)
    names = [d.document.filename for d in docs]
    assert names == [
        "touchwheel-round-1.xlsx",
        "touchwheel-round-1-touchpoints.csv",
        "touchwheel-round-1-answers.csv",
        "touchwheel-round-1-report.md",
        "touchwheel-round-1-wheel.png",
    ]
    book = openpyxl.load_workbook(io.BytesIO(docs[0].document.data))
    assert book.sheetnames == ["Touchpoints", "Answers", "Action plan", "Actions"]
    sheet = list(book["Touchpoints"].values)
    head = list(sheet[0])
    by_name = {row[1]: dict(zip(head, row, strict=True)) for row in sheet[1:]}
    for spoke, name in enumerate(["Website chat", "Phone line", "Delivery"]):
        # Numbers as numbers, the same as the ranking shows (to two places).
        overall = by_name[name]["Overall"]
        assert isinstance(overall, int | float)
        assert overall == pytest.approx(expected_overall(spoke), abs=0.005)
        assert by_name[name]["Raters"] == 3
    assert by_name["Phone line"]["Rank"] == 3 and by_name["Website chat"]["Rank"] == 1
    assert by_name["Phone line"]["Weakest"] == "Response speed"
    answers = list(book["Answers"].values)[1:]
    assert len(answers) == 27 and {row[0] for row in answers} == {"R1", "R2", "R3"}
    for spoke in range(3):
        simplicity = [
            int(str(r[4])) for r in answers if r[1] == spoke + 1 and r[3] == "Simplicity"
        ]
        assert sorted(simplicity) == sorted(VALUES[p][spoke * 3] for p in VALUES)
    plan = list(book["Action plan"].values)
    assert [row[0] for row in plan[1:]] == [2, 3, 1]  # weakest first, every spoke

    raw = docs[1].document.data
    assert raw.startswith(codecs.BOM_UTF8)
    table = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    rows = {row["Touchpoint"]: row for row in table}
    assert float(rows["Phone line"]["Overall"]) == pytest.approx(expected_overall(1), abs=0.005)
    assert docs[2].document.data.startswith(codecs.BOM_UTF8)
    assert docs[4].document.data[:4] == b"\x89PNG"


async def test_a_russian_csv_uses_semicolons_and_decimal_commas(closed: Team) -> None:
    export: ExportService = closed.h.dp["export"]
    results = await closed.h.dp["results"].latest(closed.chat.id)
    assert results is not None
    files = dict(await export.files(replace(results, ws=replace(results.ws, locale="ru"))))
    text = files["touchwheel-round-1-touchpoints.csv"].decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][:4] == ["#", "Точка контакта", "Этап", "Простота"]
    phone = next(row for row in table if row[1] == "Phone line")
    assert phone[6] == f"{round(expected_overall(1), 2)}".replace(".", ",")


async def test_results_again_on_request(closed: Team) -> None:
    before = len(closed.h.session.of(SendPhoto))
    await closed.h.say(closed.bob, closed.chat, "/results")
    assert len(closed.h.session.of(SendPhoto)) == before + 1


async def test_a_second_round_draws_the_first_underneath(closed: Team) -> None:
    results_flow = closed.h.dp["results"]
    ws = await closed.h.ctx.store.workshops.latest(closed.chat.id)
    assert ws is not None
    await closed.h.say(closed.alice, closed.chat, "/rate")
    rounds = await closed.h.ctx.store.rounds.for_workshop(ws.id)
    assert [r.number for r in rounds] == [1, 2]
    for user in (closed.alice, closed.bob, closed.carol):
        await closed.rate_everything(user, rounds[1], [9] * 9)
    second = await closed.h.ctx.store.rounds.get(rounds[1].id)
    assert second is not None and second.status is RoundStatus.CLOSED
    results = await results_flow.compute(second)
    with closed.h.ctx.speaking("en"):
        spec = wheel_spec(results)
    assert [s.value for s in spec.spokes] == pytest.approx([9.0, 9.0, 9.0])
    assert [s.previous for s in spec.spokes] == pytest.approx(
        [expected_overall(0), expected_overall(1), expected_overall(2)]
    )
    assert results.previous_roundness is not None and results.score.roundness == 100
    # Everyone agrees in round 2: no row has ⚠, so neither has the key (issue 25).
    with closed.h.ctx.speaking("en"):
        ranking = "\n".join(table_lines(results))
    assert "⚠" not in ranking and "disagrees" not in ranking


PHONE_COLUMNS = 32  # monospace characters across a phone held upright


@pytest.mark.parametrize("locale", ["en", "ru", "nl"])
async def test_long_names_keep_the_ranking_phone_wide(closed: Team, locale: str) -> None:
    """Issue 25: the ranking needs no fixed width (no 49-column table wrapping names over
    three lines): each whole name is a line of its own, which wraps as text does, and every
    other line fits 32 characters, in every language. Two names that start alike
    ("Звонок в контакт-центр…") stay whole and apart."""
    results_flow = closed.h.dp["results"]
    results = await results_flow.latest(closed.chat.id)
    assert results is not None
    names = [
        "Звонок в контакт-центр: ожидание ответа оператора после 18:00",
        "Звонок в контакт-центр: ответ",
        "Terugbelverzoek via het contactformulier op de website na sluitingstijd",
    ]
    items = tuple(replace(item, text=names[i]) for i, item in enumerate(results.items))
    previous = {item.touchpoint_id: 5.0 for item in items}  # a change column as well
    with closed.h.ctx.speaking(locale):
        lines = table_lines(replace(results, items=items, previous=previous))
    text = "\n".join(lines)
    assert "<pre>" not in text and "…" not in text
    named = [line for line in lines if any(line.endswith(name) for name in names)]
    assert sorted(named) == sorted(f"{i.number}. {i.text}" for i in items)  # whole, apart
    for line in lines:
        if line in named:
            continue
        visible = re.sub(r"<[^>]+>", "", line)
        # The key sentences under the table are prose and wrap as such; the rows must fit.
        if visible.startswith(("Overall", "Сначала", "Eerst", "⚠ ")):
            continue
        assert len(visible) <= PHONE_COLUMNS, (locale, visible)
    assert sum("⚠" in line for line in lines) == 2  # the phone line's row, and the key
