"""Times as a chat reads them: local end times and time left, in its language."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from bot.core.localized import day

# The board shows its end time always and a countdown only from the first of these marks,
# and is edited for the clock only when it passes one.
COUNTDOWN_MARKS = (timedelta(minutes=10), timedelta(minutes=5), timedelta(minutes=1))
# Each board passes its marks up to this much early, by a lead taken from its id, so that the
# boards of many groups do not all edit in the same second.
MARK_SPREAD = timedelta(seconds=30)


def mark_lead(key: int) -> timedelta:
    """A stable lead in [0, MARK_SPREAD) for one board."""
    return timedelta(seconds=(key * 7919) % int(MARK_SPREAD.total_seconds()))


def countdown_mark(left: timedelta, lead: timedelta = timedelta()) -> int:
    """How many countdown marks a clock with `left` to go has passed: 0 before the first."""
    return sum(1 for mark in COUNTDOWN_MARKS if left <= mark + lead)


def format_left(left: timedelta, locale: str) -> str:
    """ "12 minutes", "1 hour", "45 seconds" in the chat's language."""
    seconds = max(0, round(left.total_seconds()))
    return format_timedelta(
        timedelta(seconds=seconds), granularity="second", threshold=1.5, locale=locale
    )


def format_local(moment: datetime, zone: str, locale: str, now: datetime | None = None) -> str:
    """ "14:30 CET" today, "24 Nov 14:30 CET" (24 нояб. / 24 nov) on another day."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    today = (now or datetime.now(tz)).astimezone(tz).date()
    label = local.tzname() or zone
    if local.date() == today:
        return f"{local:%H:%M} {label}"
    return f"{day(local, locale, year=False)} {local:%H:%M} {label}"
