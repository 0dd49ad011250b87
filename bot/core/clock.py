"""Times as a chat reads them: local end times and time left, in its language."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta


def format_left(left: timedelta, locale: str) -> str:
    """ "12 minutes", "1 hour", "45 seconds" in the chat's language."""
    seconds = max(0, round(left.total_seconds()))
    return format_timedelta(
        timedelta(seconds=seconds), granularity="second", threshold=1.5, locale=locale
    )


def format_local(moment: datetime, zone: str, now: datetime | None = None) -> str:
    """ "14:30 UTC" today, "24.11 14:30 UTC" on another day."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    today = (now or datetime.now(tz)).astimezone(tz).date()
    label = local.tzname() or zone
    if local.date() == today:
        return f"{local:%H:%M} {label}"
    return f"{local:%d.%m %H:%M} {label}"
