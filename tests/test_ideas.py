"""Idea lines, stage tags, normalisation and duplicate detection in Russian and English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.durations import DurationError, parse_duration, split_duration
from bot.core.ideas import (
    DUPLICATE_THRESHOLD,
    MAX_LENGTH,
    find_duplicate,
    normalise,
    parse_lines,
    similarity,
)
from bot.domain import Stage

# Pairs that name the same touchpoint (a +1) ...
SAME = [
    ("чат на сайте", "Онлайн-чат на сайте"),
    ("phone line", "Phone hotline"),
    ("Сайт", "сайта"),
    ("e-mail", "Email"),
    ("Delivery", "Delivry"),
    ("chat on the website", "Website chat"),
    ("Группа ВКонтакте", "группа вконтакте!!!"),
    ("Ёлка у входа", "елка у входа"),
    ("  Call   centre ", "call centre 📞"),
    ("Коммерческое предложение", "Коммерческое предложениe"),
    ("Support e-mail", "support email"),
    ("Telegram bot", "Telegram-bot"),
    ("Счёт на оплату", "счет на оплату"),
    ("Отзывы на Яндекс Картах", "Отзывы на Яндекс.Картах"),
    ("Phone after 18:00", "phone after 18.00"),
    ("Our website", "website"),
    ("Live chat", "Live-chat"),
    ("Доставка курьером", "Доставка курьерoм"),
    ("WhatsApp", "Whatsapp"),
    ("Office reception", "reception in office"),
]
# ... and pairs that name different ones.
DIFFERENT = [
    ("Website", "Website chat"),
    ("Instagram", "Instagram DM"),
    ("Доставка", "Доставка курьером"),
    ("Звонок в офис", "Звонок в офис после 18:00"),
    ("Telegram channel", "Telegram chat"),
    ("Phone", "E-mail"),
    ("Счёт", "Чек"),
    ("VK group", "VK ads"),
    ("Отзывы", "Отзывы на Яндекс Картах"),
    ("Invoice", "Payment"),
    ("Сайт", "Чат"),
    ("Call centre", "Call back form"),
    ("Офис", "Склад"),
    ("Email newsletter", "Email support"),
    ("Договор", "Доставка"),
    ("Контекстная реклама", "Баннерная реклама"),
    ("Chat bot", "Chat app"),
    ("Review site", "Review form"),
    ("Mobile app", "Mobile site"),
    ("Телефон", "Телеграм"),
    ("Idea number 1", "Idea number 2"),
    ("Звонок после 18:00", "Звонок после 19:00"),
    ("Office 2", "Office 12"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_touchpoint_is_a_duplicate(a: str, b: str) -> None:
    assert similarity(normalise(a), normalise(b)) >= DUPLICATE_THRESHOLD, (a, b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_touchpoints_stay_apart(a: str, b: str) -> None:
    assert similarity(normalise(a), normalise(b)) < DUPLICATE_THRESHOLD, (a, b)


def test_threshold_sits_in_the_gap_of_the_labelled_set() -> None:
    same = min(similarity(normalise(a), normalise(b)) for a, b in SAME)
    different = max(similarity(normalise(a), normalise(b)) for a, b in DIFFERENT)
    assert different < DUPLICATE_THRESHOLD <= same
    assert same - different >= 2, "the threshold needs some margin on both sides"


def test_find_duplicate_picks_the_closest() -> None:
    existing = [(1, normalise("Website")), (2, normalise("Website chat")), (3, "phone")]
    assert find_duplicate(normalise("Online chat on the website"), existing) == 2
    assert find_duplicate(normalise("Mobile app"), existing) is None


def test_lines_bullets_and_numbering() -> None:
    text = "1. Website chat\n- Phone line\n• Delivery\n\n2) Invoice;\n  * Support e-mail  "
    assert [p.text for p in parse_lines(text)] == [
        "Website chat",
        "Phone line",
        "Delivery",
        "Invoice",
        "Support e-mail",
    ]


def test_stage_tags_in_both_languages() -> None:
    lines = parse_lines("Ads #before\nЧат на сайте #во_время\n#после Отзыв\nКарта #vip")
    assert [(p.text, p.stage) for p in lines] == [
        ("Ads", Stage.BEFORE),
        ("Чат на сайте", Stage.DURING),
        ("Отзыв", Stage.AFTER),
        ("Карта #vip", Stage.NONE),
    ]


def test_length_limits_mark_the_line_not_the_message() -> None:
    long_line = "x" * (MAX_LENGTH + 1)
    lines = parse_lines(f"Phone\n{long_line}\nA\nMail")
    assert [(p.text[:5], p.problem) for p in lines] == [
        ("Phone", None),
        ("xxxxx", "too_long"),
        ("A", "too_short"),
        ("Mail", None),
    ]


def test_html_looking_ideas_are_kept_literally() -> None:
    (line,) = parse_lines("<b>VK</b> & DMs")
    assert line.text == "<b>VK</b> & DMs"


@given(st.text(max_size=300))
def test_parsing_never_crashes_and_respects_limits(text: str) -> None:
    for line in parse_lines(text):
        assert line.text == line.text.strip()
        assert "\n" not in line.text
        if line.problem is None:
            assert 2 <= len(line.text) <= MAX_LENGTH


@given(st.text(max_size=80))
def test_normalise_is_idempotent(text: str) -> None:
    assert normalise(normalise(text)) == normalise(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30", timedelta(minutes=30)),
        ("30m", timedelta(minutes=30)),
        ("90s", timedelta(seconds=90)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1.5h", timedelta(minutes=90)),
        ("15мин", timedelta(minutes=15)),
        ("2ч", timedelta(hours=2)),
        ("10s", timedelta(seconds=10)),
        ("7d", timedelta(days=7)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("5s", "too_short"),
        ("0", "too_short"),
        ("8d", "too_long"),
        ("3x", "unknown"),
        ("99999999", "unknown"),
        ("h", "unknown"),
    ],
)
def test_bad_durations(text: str, code: str) -> None:
    with pytest.raises(DurationError) as caught:
        parse_duration(text)
    assert caught.value.code == code


def test_split_duration_and_topic() -> None:
    assert split_duration("45m Website and shop") == (timedelta(minutes=45), "Website and shop")
    assert split_duration("Website and shop") == (None, "Website and shop")
    assert split_duration(None) == (None, "")
    with pytest.raises(DurationError):
        split_duration("5x Website")
