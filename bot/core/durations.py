"""Durations as people type them: 30, 30m, 90s, 2h, 1d (and 30м, 2ч, 1д)."""

from __future__ import annotations

import re
from datetime import timedelta

MIN_DURATION = timedelta(seconds=10)
MAX_DURATION = timedelta(days=7)

_UNITS = {
    "": 60,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "м": 60,
    "мин": 60,
    "минут": 60,
    "минуты": 60,
    "минута": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "с": 1,
    "сек": 1,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
    "hours": 3600,
    "ч": 3600,
    "час": 3600,
    "часа": 3600,
    "часов": 3600,
    "u": 3600,
    "uur": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "д": 86400,
    "дн": 86400,
    "день": 86400,
    "дня": 86400,
    "дней": 86400,
    "dag": 86400,
    "dagen": 86400,
}
_DURATION = re.compile(r"^(\d{1,7})(?:[.,](\d{1,3}))?\s*([^\d\s.,]*)$")
# A token that someone meant as a duration (a number, maybe with a unit), valid or not.
_LOOKS_LIKE = re.compile(r"^[+-]?\d[\d.,]*[^\s]{0,8}$")


class DurationError(ValueError):
    """A duration that was meant as one but cannot be used (reason in `code`)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "unknown", "too_short" or "too_long"


def looks_like_duration(token: str) -> bool:
    return bool(_LOOKS_LIKE.match(token))


def parse_duration(text: str) -> timedelta:
    """Parse one duration token; a bare number is minutes; 10 s to 7 days."""
    match = _DURATION.match(text.strip().lower())
    if not match or match.group(3) not in _UNITS:
        raise DurationError("unknown")
    whole, fraction, unit = match.groups()
    value = float(f"{whole}.{fraction or 0}")
    duration = timedelta(seconds=round(value * _UNITS[unit]))
    if duration < MIN_DURATION:
        raise DurationError("too_short")
    if duration > MAX_DURATION:
        raise DurationError("too_long")
    return duration


def split_duration(args: str | None) -> tuple[timedelta | None, str]:
    """Split "[duration] [rest]": the duration when the first word is one, and the rest.

    Raises DurationError when the first word was clearly meant as a duration but is bad.
    """
    text = (args or "").strip()
    if not text:
        return None, ""
    first, _, rest = text.partition(" ")
    if "\n" in first:
        first, _, more = first.partition("\n")
        rest = f"{more}\n{rest}".strip()
    if not looks_like_duration(first):
        return None, text
    return parse_duration(first), rest.strip()
