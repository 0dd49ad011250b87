"""Numbers, dates and quotes as a chat in each language writes them (Babel's CLDR data).

Pure functions of an explicit locale code ("en", "ru", "nl"); views pass the current one.
"""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal


def number(value: float, locale: str, digits: int = 1, *, trim: bool = False) -> str:
    """6.3 in English, 6,3 in Russian and Dutch; with `trim`, no trailing zeros (1, 1,5)."""
    pattern = "0." + ("#" if trim else "0") * digits if digits > 0 else "0"
    return format_decimal(value, format=pattern, locale=locale)


def signed(value: float, locale: str, digits: int = 1) -> str:
    """A change with its sign: +1.2 / −0,4 (a real minus sign)."""
    pattern = "0." + "0" * digits if digits > 0 else "0"
    return format_decimal(value, format=f"+{pattern};−{pattern}", locale=locale)


def day(value: date | datetime, locale: str, year: bool = True) -> str:
    """16 Dec 2026 / 16 дек. 2026 / 16 dec 2026 (without the year when `year` is False)."""
    return format_date(value, "d MMM y" if year else "d MMM", locale=locale)


_QUOTES = {"ru": ("«", "»")}


def quote(text: str, locale: str) -> str:
    """«…» in Russian, “…” in English and Dutch."""
    left, right = _QUOTES.get(locale, ("“", "”"))
    return f"{left}{text}{right}"
