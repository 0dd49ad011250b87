"""Tables as CSV and XLSX files, every text cell made safe to open in a spreadsheet.

Cells hold what people typed (touchpoints, actions, names), and anyone in the group, even a
customer, can type. Two things are taken out of every text cell on the way to a file:

- a formula: a text that begins with =, +, -, @, a tab or a carriage return is one to Excel
  and LibreOffice (OWASP, "CSV injection"). In a CSV it gets a leading apostrophe; in an
  XLSX it is written as a string cell marked "quote prefix", so it stays text even when
  edited, and reads back exactly as typed;
- control characters XML 1.0 cannot hold (openpyxl refuses them), and lone surrogates
  (UTF-8 cannot hold those): removed, in every format alike.

Numbers (our scores, counts) are never touched: a negative score stays a number. Dates
(due, done) are dates: a date cell in a workbook, ISO 8601 (2026-12-16) in a CSV, which
every spreadsheet reads as a date whatever its language.
Runs in the render worker as well as in the bot, so it imports nothing of aiogram.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

Cell = str | int | float | date | None
Table = tuple[list[str], list[list[Cell]]]
Sheets = Sequence[tuple[str, Table]]


@dataclass(frozen=True)
class Workbook:
    """What the render worker makes an XLSX of: the sheets, and the language its dates are
    shown in."""

    sheets: Sheets
    locale: str = "en"


# How a date cell shows (the cell holds the date itself): as people write dates here.
DATE_FORMATS = {"en": "d mmm yyyy", "ru": "dd.mm.yyyy", "nl": "d-m-yyyy"}
WIDEST = 50  # characters: a column of longer texts is this wide and its cells wrap
HEADER_WIDTH = 16  # characters of a header that widen its column; the rest wraps

# Spreadsheets in these languages read ";" as the separator and "," as the decimal mark.
DECIMAL_COMMA = frozenset({"ru", "nl"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# openpyxl's ILLEGAL_CHARACTERS_RE (C0 controls but tab, LF, CR), the two non-characters
# XML forbids, and lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean(text: str) -> str:
    """The text without the characters no file format here can hold."""
    return _UNSAFE.sub("", text)


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def csv_text(text: str) -> str:
    """A text cell for a CSV: cleaned, and a would-be formula kept text by an apostrophe."""
    text = clean(text)
    return "'" + text if looks_like_formula(text) else text


def to_csv(table: Table, locale: str) -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads it right; ";" and a decimal comma in
    languages whose spreadsheets expect them."""
    comma = locale in DECIMAL_COMMA

    def cell(value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            text = f"{value:g}" if value == int(value) else f"{value}"
            return text.replace(".", ",") if comma else text
        if isinstance(value, int):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        return csv_text(value)

    headers, rows = table
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if comma else ",")
    writer.writerow([cell(h) for h in headers])
    writer.writerows([cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: Sheets, locale: str = "en") -> bytes:
    """A workbook with one sheet per table: bold headers, numbers as numbers, dates as dates,
    text always as text (never a formula); a column of long texts wraps them."""
    from openpyxl import Workbook as Book
    from openpyxl.styles import Alignment, Font

    book = Book()
    book.remove(book.active)  # type: ignore[arg-type]
    date_format = DATE_FORMATS.get(locale, DATE_FORMATS["en"])
    for title_text, (headers, rows) in sheets:
        sheet = book.create_sheet(clean(title_text)[:31])
        lines: list[list[Cell]] = [list(headers), *rows]
        for row_number, row in enumerate(lines, start=1):
            for column, value in enumerate(row, start=1):
                if isinstance(value, str):
                    text = clean(value)
                    cell = sheet.cell(row_number, column)
                    cell.value = text
                    cell.data_type = "s"  # openpyxl would make "=…" a formula
                    if looks_like_formula(text):
                        cell.quotePrefix = True
                elif isinstance(value, date):
                    cell = sheet.cell(row_number, column, value)
                    cell.number_format = date_format
                elif value is not None:
                    sheet.cell(row_number, column, value)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        wrapped: set[int] = set()
        for header, *column_cells in sheet.columns:
            # As wide as the values; a long header wraps rather than widen its column.
            width = max(
                [min(len(_shown(header.value)), HEADER_WIDTH)]
                + [len(_shown(c.value)) for c in column_cells]
            )
            sheet.column_dimensions[header.column_letter].width = min(WIDEST, max(6, width + 2))
            if width + 2 > WIDEST:
                wrapped.add(header.column)
        for cell in sheet[1]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if wrapped:
            # A wrapped cell makes its row tall: the row's other cells go to the top with it.
            for sheet_row in sheet.iter_rows(min_row=2):
                for cell in sheet_row:
                    cell.alignment = Alignment(wrap_text=cell.column in wrapped, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _shown(value: object) -> str:
    """About what a cell shows, for its column's width (a date as 16.12.2026)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return "16.12.2026"
    return str(value)
