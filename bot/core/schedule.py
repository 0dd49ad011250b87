"""Re-evaluation schedules and due dates: parsing and the next moment, DST-safe."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

DEFAULT_TIME = time(10, 0)
MAX_EVERY_DAYS = 366


class Every(StrEnum):
    DAYS = "days"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    every: Every
    days: int = 0
    at: time = DEFAULT_TIME

    def text(self) -> str:
        """The canonical form, stored in the database: "every 14d 10:00", "weekly 09:30"."""
        head = f"every {self.days}d" if self.every is Every.DAYS else self.every.value
        return f"{head} {self.at:%H:%M}"


class ScheduleError(ValueError):
    pass


_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_EVERY = re.compile(r"^every\s+(\d{1,3})\s*(d|days?|w|weeks?)$")


def parse_schedule(text: str) -> ScheduleSpec | None:
    """ "every 14d", "weekly", "monthly 09:30", "quarterly"; "off" gives None."""
    words = text.strip().lower().split()
    if words == ["off"]:
        return None
    at = DEFAULT_TIME
    if words and _TIME.match(words[-1]):
        match = _TIME.match(words.pop())
        assert match is not None
        at = time(int(match.group(1)), int(match.group(2)))
    head = " ".join(words)
    simple = {"weekly": Every.WEEKLY, "monthly": Every.MONTHLY, "quarterly": Every.QUARTERLY}
    if head in simple:
        return ScheduleSpec(simple[head], at=at)
    match = _EVERY.match(head)
    if match:
        count = int(match.group(1))
        days = count * 7 if match.group(2).startswith("w") else count
        if not 1 <= days <= MAX_EVERY_DAYS:
            raise ScheduleError("range")
        return ScheduleSpec(Every.DAYS, days=days, at=at)
    raise ScheduleError("unknown")


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def occurrence(spec: ScheduleSpec, start: date, k: int) -> date:
    """The k-th date of the schedule counted from `start` (k = 0 is `start` itself)."""
    if spec.every is Every.DAYS:
        return start + timedelta(days=spec.days * k)
    if spec.every is Every.WEEKLY:
        return start + timedelta(days=7 * k)
    return _add_months(start, k * (1 if spec.every is Every.MONTHLY else 3))


def one_period_after(spec: ScheduleSpec, day: date) -> date:
    """The day one period of the schedule after `day`: the earliest a re-evaluation may come
    after a round held on `day`."""
    return occurrence(spec, day, 1)


def next_fire(
    spec: ScheduleSpec,
    start: date,
    zone: str,
    after: datetime,
    not_before: date | None = None,
) -> datetime:
    """The first fire strictly after `after` and on no day before `not_before`: local wall
    time `spec.at` in `zone`, in UTC.

    Counted from the `start` date, so a monthly schedule keeps its day of the month and a
    10:00 schedule stays at 10:00 local time on both sides of a DST change.
    """
    tz = ZoneInfo(zone)
    k = 0
    # Jump close to `after` first so long-running schedules do not loop from the start.
    local = after.astimezone(tz).date()
    if not_before is not None:
        local = max(local, not_before)
    if spec.every in (Every.DAYS, Every.WEEKLY):
        period = spec.days if spec.every is Every.DAYS else 7
        k = max(0, ((local - start).days // period) - 1)
    else:
        months = 1 if spec.every is Every.MONTHLY else 3
        k = max(0, ((local.year - start.year) * 12 + local.month - start.month) // months - 1)
    while True:
        day = occurrence(spec, start, k)
        moment = datetime.combine(day, spec.at, tzinfo=tz)
        if moment.astimezone(UTC) > after and (not_before is None or day >= not_before):
            return moment.astimezone(UTC)
        k += 1


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?$")
_RELATIVE = re.compile(r"^(\d{1,3})\s*([^\W\d_]+)\.?$")
# The units a relative due date may be given in, in English, Russian and Dutch. `m` is
# minutes here as everywhere else (/brainstorm 20m): months are `mo`, `month`, `мес`, `mnd`.
_DUE_UNITS = {
    "days": {"d", "day", "days", "д", "дн", "день", "дня", "дней", "dag", "dagen"},
    "weeks": {
        "w", "wk", "week", "weeks", "н", "нед", "неделя", "недели", "неделю", "недель",
        "weken",
    },
    "months": {
        "mo", "mon", "month", "months", "мес", "месяц", "месяца", "месяцев", "mnd", "maand",
        "maanden",
    },
    "minutes": {
        "m", "min", "mins", "minute", "minutes", "мин", "минута", "минуты", "минут", "minuut",
        "minuten",
    },
}  # fmt: skip


def _relative(text: str) -> tuple[int, str] | None:
    """ "2w" -> (2, "weeks"); None when the text is no count with a known unit."""
    match = _RELATIVE.match(text.strip().lower())
    if match is None:
        return None
    unit = next((name for name, words in _DUE_UNITS.items() if match.group(2) in words), None)
    return None if unit is None else (int(match.group(1)), unit)


def due_months(text: str) -> int | None:
    """How many months a relative due date asks for ("2mo" -> 2); None for any other form,
    so the answer can say the date was read as months."""
    relative = _relative(text)
    return relative[0] if relative and relative[1] == "months" else None


class DueError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "unknown", "past", or "minutes" (`1m`: m is minutes, not months)


def parse_due(text: str, today: date) -> date:
    """A due date: 2026-12-01, 01.12.2026, 01.12 (the next such day), 10d, 2w, 1mo."""
    raw = text.strip().lower()
    try:
        if match := _ISO.match(raw):
            due = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        elif match := _DOTTED.match(raw):
            day, month, year = match.groups()
            if year is None:
                due = date(today.year, int(month), int(day))
                if due < today:
                    due = date(today.year + 1, int(month), int(day))
            else:
                full = int(year) + (2000 if len(year) == 2 else 0)
                due = date(full, int(month), int(day))
        elif relative := _relative(raw):
            count, unit = relative
            if unit == "minutes":
                raise DueError("minutes")
            if unit == "days":
                due = today + timedelta(days=count)
            elif unit == "weeks":
                due = today + timedelta(weeks=count)
            else:
                due = _add_months(today, count)
        else:
            raise DueError("unknown")
    except ValueError as exc:
        if isinstance(exc, DueError):
            raise
        raise DueError("unknown") from exc
    if due < today:
        raise DueError("past")
    return due
