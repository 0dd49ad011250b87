"""Hypothesis against every parser that reads what people type or what buttons carry back."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import given
from hypothesis import strategies as st

from bot.core.durations import (
    MAX_DURATION,
    MIN_DURATION,
    DurationError,
    parse_duration,
    split_duration,
)
from bot.core.ideas import parse_lines
from bot.core.schedule import DueError, ScheduleError, parse_due, parse_schedule
from bot.views import callbacks

TODAY = date(2026, 12, 1)
CALLBACKS = [
    cls
    for cls in vars(callbacks).values()
    if isinstance(cls, type) and issubclass(cls, CallbackData) and cls is not CallbackData
]
# Text that looks like what people type: digits, units, separators, some letters.
typed = st.text(alphabet="0123456789.,:-+ dhmswндмч/abcxyz", max_size=24) | st.text(max_size=40)


@given(typed)
def test_a_duration_is_in_range_or_refused(text: str) -> None:
    try:
        duration = parse_duration(text)
    except DurationError as exc:
        code = exc.code
    else:
        assert MIN_DURATION <= duration <= MAX_DURATION
        return
    assert code in {"unknown", "too_short", "too_long"}


@given(typed)
def test_duration_and_topic_split_without_surprises(text: str) -> None:
    try:
        duration, rest = split_duration(text)
    except DurationError:
        return
    assert duration is None or MIN_DURATION <= duration <= MAX_DURATION
    assert rest == rest.strip()


@given(
    typed | st.from_regex(r"\A\d{1,12}(d|w|m|mo|мес)\Z") | st.from_regex(r"\A\d{1,4}\.\d{1,4}\Z")
)
def test_a_due_date_is_today_or_later_or_refused(text: str) -> None:
    try:
        due = parse_due(text, TODAY)
    except DueError as exc:
        code = exc.code
    else:
        assert due >= TODAY
        return
    assert code in {"unknown", "past", "minutes"}


@given(typed | st.from_regex(r"\A(every \d{1,9}[dw]|weekly|monthly|off)( \d{1,2}:\d{2})?\Z"))
def test_a_schedule_parses_or_is_refused(text: str) -> None:
    try:
        spec = parse_schedule(text)
    except ScheduleError as exc:
        reason = str(exc)
    else:
        assert spec is None or parse_schedule(spec.text()) == spec
        return
    assert reason in {"unknown", "range"}


@given(st.text(max_size=300))
def test_ideas_carry_no_invisible_characters(text: str) -> None:
    for line in parse_lines(text):
        assert all(
            ch == "\u200d" or unicodedata.category(ch) not in ("Cc", "Cf") for ch in line.text
        )


@pytest.mark.parametrize("cls", CALLBACKS, ids=[c.__name__ for c in CALLBACKS])
@given(data=st.text(max_size=80) | st.from_regex(r"\A[a-z]{2}(:[\w-]{0,6}){1,6}\Z"))
def test_callback_data_decodes_or_is_refused(cls: type[CallbackData], data: str) -> None:
    try:
        decoded = cls.unpack(data)
    except (ValueError, TypeError):
        return  # aiogram's filter treats these as "not this button"
    assert decoded.pack() == data or cls.unpack(decoded.pack()) == decoded


def test_some_due_dates_by_hand() -> None:
    assert parse_due("2w", TODAY) == TODAY + timedelta(weeks=2)
    with pytest.raises(DueError):
        parse_due("31.02", TODAY)
