"""Schedules and due dates, with an injected clock, across a DST change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import (
    DueError,
    Every,
    ScheduleError,
    ScheduleSpec,
    due_months,
    next_fire,
    one_period_after,
    parse_due,
    parse_schedule,
)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("weekly", ScheduleSpec(Every.WEEKLY)),
        ("monthly 09:30", ScheduleSpec(Every.MONTHLY, at=time(9, 30))),
        ("quarterly 18.05", ScheduleSpec(Every.QUARTERLY, at=time(18, 5))),
        ("every 14d", ScheduleSpec(Every.DAYS, days=14)),
        ("every 2w 08:00", ScheduleSpec(Every.DAYS, days=14, at=time(8, 0))),
        ("Every 3 days", ScheduleSpec(Every.DAYS, days=3)),
    ],
)
def test_parse_schedule(text: str, spec: ScheduleSpec) -> None:
    assert parse_schedule(text) == spec


def test_off_and_errors() -> None:
    assert parse_schedule("off") is None
    for bad in ("sometimes", "every 0d", "every 400d", "weekly 25:00", ""):
        with pytest.raises(ScheduleError):
            parse_schedule(bad)


def test_canonical_text_round_trips() -> None:
    for text in ("every 14d 10:00", "weekly 09:30", "monthly 10:00", "quarterly 18:05"):
        spec = parse_schedule(text)
        assert spec is not None and spec.text() == text


def test_weekly_keeps_local_time_across_the_spring_dst_change() -> None:
    # Amsterdam moves from UTC+1 to UTC+2 on Sunday 29 March 2026.
    spec = ScheduleSpec(Every.WEEKLY, at=time(10, 0))
    start = date(2026, 3, 23)  # a Monday
    first = next_fire(spec, start, "Europe/Amsterdam", datetime(2026, 3, 23, 12, 0, tzinfo=UTC))
    second = next_fire(spec, start, "Europe/Amsterdam", first)
    assert first == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert second == datetime(2026, 4, 6, 8, 0, tzinfo=UTC)
    before = next_fire(spec, start, "Europe/Amsterdam", datetime(2026, 3, 22, 0, 0, tzinfo=UTC))
    assert before == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # 10:00 CET


def test_autumn_change_and_daily_schedules() -> None:
    # Moscow has no DST; New York falls back on 1 November 2026.
    spec = ScheduleSpec(Every.DAYS, days=1, at=time(9, 0))
    start = date(2026, 10, 31)
    after = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT)
    first = next_fire(spec, start, "America/New_York", after)
    assert first == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 09:00 EST
    moscow = next_fire(spec, start, "Europe/Moscow", after)
    assert moscow == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def test_monthly_keeps_the_day_and_clamps_short_months() -> None:
    spec = ScheduleSpec(Every.MONTHLY, at=time(10, 0))
    start = date(2026, 1, 31)
    fires = []
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(3):
        moment = next_fire(spec, start, "UTC", moment)
        fires.append(moment.date())
    assert fires == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)]
    quarterly = ScheduleSpec(Every.QUARTERLY)
    assert next_fire(quarterly, start, "UTC", datetime(2026, 2, 1, tzinfo=UTC)).date() == date(
        2026, 4, 30
    )


def test_a_long_outage_gives_one_next_fire_in_the_future() -> None:
    spec = ScheduleSpec(Every.WEEKLY)
    now = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
    fire = next_fire(spec, date(2026, 1, 5), "UTC", now)
    assert now < fire <= datetime(2027, 6, 8, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("every 1d 10:00", date(2026, 12, 3)),
        ("every 14d 10:00", date(2026, 12, 16)),
        ("weekly 10:00", date(2026, 12, 9)),
        ("monthly 10:00", date(2027, 1, 2)),
        ("quarterly 10:00", date(2027, 3, 2)),
    ],
)
def test_the_first_fire_comes_one_period_after_the_last_round(text: str, first: date) -> None:
    """Issue 25: round 1 closed at 05:00; `/schedule monthly 10:00` must not open the next
    round five hours later, nor on any day inside the period."""
    spec = parse_schedule(text)
    assert spec is not None
    closed = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)  # 05:00 in Amsterdam
    last = date(2026, 12, 2)
    fire = next_fire(spec, last, "Europe/Amsterdam", closed, one_period_after(spec, last))
    assert fire.astimezone(ZoneInfo("Europe/Amsterdam")).date() == first
    assert fire.astimezone(ZoneInfo("Europe/Amsterdam")).time() == time(10, 0)
    # Set later (the bot was down, or the team waited): the next fire after now.
    later = datetime(2027, 5, 20, 12, 0, tzinfo=UTC)
    assert later < next_fire(spec, last, "Europe/Amsterdam", later, one_period_after(spec, last))


TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("01.12.2026", date(2026, 12, 1)),
        ("1.12.26", date(2026, 12, 1)),
        ("01.12", date(2026, 12, 1)),
        ("15.01", date(2027, 1, 15)),
        ("10d", date(2026, 12, 3)),
        ("2w", date(2026, 12, 7)),
        ("1mo", date(2026, 12, 23)),
        ("2 months", date(2027, 1, 23)),
        ("1 мес.", date(2026, 12, 23)),
        ("3 месяца", date(2027, 2, 23)),
        ("1 maand", date(2026, 12, 23)),
        ("2mnd", date(2027, 1, 23)),
        ("2н", date(2026, 12, 7)),
        ("3 недели", date(2026, 12, 14)),
        ("5 dagen", date(2026, 11, 28)),
        ("0d", TODAY),
    ],
)
def test_due_dates(text: str, due: date) -> None:
    assert parse_due(text, TODAY) == due
    months = {"1mo": 1, "2 months": 2, "1 мес.": 1, "3 месяца": 3, "1 maand": 1, "2mnd": 2}
    assert due_months(text) == months.get(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2026-11-01", "past"),
        ("01.01.2020", "past"),
        ("31.02.2027", "unknown"),
        ("soon", "unknown"),
        ("2h", "unknown"),
        # m is minutes, as in /brainstorm 20m: not a month (issue 25).
        ("1m", "minutes"),
        ("30 мин", "minutes"),
        ("10 minuten", "minutes"),
    ],
)
def test_bad_due_dates(text: str, code: str) -> None:
    with pytest.raises(DueError) as caught:
        parse_due(text, TODAY)
    assert caught.value.code == code
