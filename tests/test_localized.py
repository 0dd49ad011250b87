from datetime import date

import pytest

from bot.core import localized


@pytest.mark.parametrize(("locale", "expected"), [("en", "6.3"), ("ru", "6,3"), ("nl", "6,3")])
def test_decimal_mark_follows_the_language(locale: str, expected: str) -> None:
    assert localized.number(6.3, locale) == expected


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [(1.25, "en", "+1.2"), (-0.4, "ru", "−0,4"), (0.0, "nl", "+0,0"), (2.0, "en", "+2.0")],
)
def test_a_change_carries_its_sign(value: float, locale: str, expected: str) -> None:
    assert localized.signed(value, locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "16 Dec 2026"), ("ru", "16 дек. 2026"), ("nl", "16 dec 2026")],
)
def test_dates_are_written_as_people_write_them(locale: str, expected: str) -> None:
    assert localized.day(date(2026, 12, 16), locale) == expected


@pytest.mark.parametrize(
    ("locale", "expected"), [("en", "“Site”"), ("ru", "«Site»"), ("nl", "“Site”")]
)
def test_quotes_follow_the_language(locale: str, expected: str) -> None:
    assert localized.quote("Site", locale) == expected


@pytest.mark.parametrize(
    ("value", "locale", "expected"), [(1.0, "en", "1"), (1.5, "ru", "1,5"), (0.25, "nl", "0,25")]
)
def test_a_trimmed_number_has_no_trailing_zeros(value: float, locale: str, expected: str) -> None:
    assert localized.number(value, locale, 2, trim=True) == expected
