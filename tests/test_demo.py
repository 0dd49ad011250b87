"""`python -m bot demo`: the scripted workshop plays to the end in every language."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from bot.__main__ import main
from bot.demo.run import play
from bot.i18n import extract

PNG = b"\x89PNG\r\n\x1a\n"


def files(out: Path) -> set[str]:
    return {p.name for p in out.iterdir()}


@pytest.mark.parametrize("lang", ["ru", "nl"])
async def test_the_demo_plays_two_rounds(lang: str, tmp_path: Path) -> None:
    lines: list[str] = []
    await play(lang, tmp_path, echo=lines.append)
    transcript = "\n".join(lines)
    # Two rounds closed by themselves, each with a wheel, a ranking and a plan.
    assert transcript.count("[touchwheel-round-1-wheel.png]") == 1
    assert transcript.count("🛠 ") >= 2 and "▲ +" in transcript  # round 2 compares
    assert "✍️" in transcript  # the team's own action is kept into round 2
    # The round-2 wheel is posted and then exported: one name, so one file.
    assert transcript.count("[touchwheel-round-2-wheel.png]") == 2
    assert files(tmp_path) == {
        "touchwheel-round-1-wheel.png",
        "touchwheel-round-2-wheel.png",
        "touchwheel-round-2-history.png",
        "touchwheel-round-2.xlsx",
        "touchwheel-round-2-touchpoints.csv",
        "touchwheel-round-2-answers.csv",
        "touchwheel-round-2-report.md",
        "transcript.txt",
    }
    for name in files(tmp_path):
        if name.endswith(".png"):
            assert (tmp_path / name).read_bytes().startswith(PNG)
    book = openpyxl.load_workbook(tmp_path / "touchwheel-round-2.xlsx")
    assert len(book.worksheets) == 4
    assert (tmp_path / "transcript.txt").read_text(encoding="utf-8").strip() == transcript.strip()
    # A month passes between the rounds (issue 25): round 2 is opened by the schedule one
    # month after round 1, and its wheel carries that day.
    days = re.findall(r"🛞 .* · \S+ ([12]) · (.+)", transcript)
    assert [n for n, _day in days] == ["1", "2"] and days[0][1] != days[1][1]
    assert ("янв." if lang == "ru" else "jan") in days[1][1]
    # The team disagrees on one spoke: its row and the key carry ⚠.
    ranking = transcript.split("[touchwheel-round-1-wheel.png]")[1]
    ranking = ranking.split("[touchwheel-round-2-wheel.png]")[0]
    assert ranking.count("⚠") == 2
    # Numbers and days as the team writes them: 5,3 and 2 дек. 2026, never 5.3 or 02.12.2026;
    # Dutch quotes are “ ” (issue 25).
    assert not re.search(r"\d\.\d", transcript), re.findall(r".{20}\d\.\d.{5}", transcript)
    assert not re.search(r"\d\d\.\d\d", transcript)
    assert "5,3" in transcript
    if lang == "nl":
        assert "«" not in transcript and "“De praktijk bellen”" in transcript
    # No English sentence of the bot reaches the Russian or Dutch group.
    leaked = [piece for piece in english_pieces() if piece in transcript]
    assert not leaked, leaked


def english_pieces() -> set[str]:
    """The longest literal piece of every English message (placeholders and tags cut out),
    when it is long enough to be a sentence and not a shared word or command."""
    pieces = set()
    for msg in extract():
        msgid = msg.id if isinstance(msg.id, str) else msg.id[0]
        literal = max(re.split(r"\{[^}]*\}|<[^>]+>|\n", msgid), key=len).strip(" .:;,·—")
        if len(literal) >= 14 and " " in literal and not literal.startswith("/"):
            pieces.add(literal)
    return pieces


def test_the_demo_command_runs_without_a_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--lang", "en", "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "Time is up!" in printed and "Action plan" in printed
    assert "touchwheel-round-2-wheel.png" in printed
    assert "1 month from today" in printed  # /due 8 1mo
    opens = re.search(r"Next round opens on (\d+ \w+ \d{4}), 10:00", printed)
    assert opens is not None and f"round 2 · {opens[1]}" in printed
    assert "Merged 7. “Calling the clinic” into 2. “Phone line to the reception”" in printed
