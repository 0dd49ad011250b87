"""/settings: the admins' menu, typed and tapped values, refusals, and where they apply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram.methods import EditMessageText
from aiogram.types import Message

from bot.config import SUPPORTED_LOCALES
from bot.core.preferences import Change, Preferences, SettingError, check, resolve
from bot.domain import CRITERIA, Criterion
from bot.views.callbacks import RateOp, SettingsAction
from tests.harness import Harness, private_chat
from tests.test_rating import NOW, Team

DEFAULTS = Preferences(
    locale="en",
    timezone="UTC",
    brainstorm_minutes=30,
    rating_minutes=30,
    min_raters=3,
    max_touchpoints=12,
    customer_weight=0.6,
    capture="replies",
    anyone_can_start=False,
)


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("lang", "NL", Change("locale", "nl")),
        ("zone", "Asia/Tbilisi", Change("timezone", "Asia/Tbilisi")),
        ("brainstorm", "20m", Change("brainstorm_minutes", 20.0)),
        ("rating", "1d", Change("rating_minutes", 1440.0)),
        ("weight", "speed 2", Change("weight_speed", 2.0)),
        ("weight", "удобство 0,5", Change("weight_convenience", 0.5)),
        ("customers", "70 %", Change("customer_weight", 0.7)),
        ("raters", "5", Change("min_raters", 5)),
        ("spokes", "8", Change("max_touchpoints", 8)),
        ("capture", "all", Change("capture", "all")),
        ("facilitate", "anyone", Change("anyone_can_start", True)),
    ],
)
def test_values_are_checked_into_changes(key: str, raw: str, expected: Change) -> None:
    assert check(key, raw, SUPPORTED_LOCALES) == expected


@pytest.mark.parametrize(
    ("key", "raw", "code"),
    [
        ("lang", "de", "lang"),
        ("zone", "Mars/Base", "zone"),
        ("zone", "../etc/passwd", "zone"),
        ("zone", "", "zone"),
        ("brainstorm", "30s", "duration"),
        ("rating", "8d", "duration"),
        ("weight", "speed -1", "weight"),
        ("weight", "speed 6", "weight"),
        ("weight", "taste 1", "criterion"),
        ("weight", "speed fast", "number"),
        ("customers", "120", "percent"),
        ("raters", "2.5", "raters"),
        ("raters", "0", "raters"),
        ("spokes", "31", "spokes"),
        ("capture", "some", "capture"),
        ("facilitate", "me", "facilitate"),
        ("colour", "red", "key"),
    ],
)
def test_bad_values_are_refused(key: str, raw: str, code: str) -> None:
    with pytest.raises(SettingError) as refused:
        check(key, raw, SUPPORTED_LOCALES)
    assert refused.value.code == code


def test_resolve_keeps_defaults_for_missing_or_mistyped_values() -> None:
    prefs = resolve(
        {"min_raters": "five", "brainstorm_minutes": 20, "weight_speed": 2, "capture": "all"},
        DEFAULTS,
    )
    assert prefs.min_raters == 3 and prefs.brainstorm_minutes == 20.0
    assert prefs.weights[Criterion.SPEED] == 2.0 and prefs.capture == "all"
    zero = resolve({f"weight_{c.value}": 0 for c in CRITERIA}, DEFAULTS)
    assert set(zero.weights.values()) == {1.0}  # never a score of nothing


@pytest.fixture
def team(harness: Harness) -> Team:
    return Team(harness)


def last(team: Team) -> str:
    return team.h.session.sent(team.chat.id)[-1].text


async def test_only_admins_open_or_change_settings(team: Team) -> None:
    await team.h.say(team.bob, team.chat, "/settings")
    assert "Only chat admins" in last(team)
    await team.h.say(team.bob, team.chat, "/settings lang ru")
    assert "Only chat admins" in last(team)
    chat = await team.h.ctx.store.chats.get(team.chat.id)
    assert chat is not None and chat.locale is None
    await team.h.say(team.alice, team.chat, "/settings")
    menu = team.h.session.sent(team.chat.id)[-1]
    assert "Settings" in menu.text and "🕒 Time zone: UTC" in menu.text
    assert "⚖️ Criterion weights: Simplicity ×1 · Convenience ×1 · Response speed ×1" in menu.text
    # A non-admin's tap on the menu changes nothing.
    button = Message(message_id=7, date=NOW, chat=team.chat, text="menu")
    await team.h.click(team.bob, button, SettingsAction(k="lang", v="nl").pack())
    assert team.last_answer().show_alert and "Only chat admins" in str(team.last_answer().text)
    chat = await team.h.ctx.store.chats.get(team.chat.id)
    assert chat is not None and chat.locale is None


async def test_typed_values_refused_or_saved(team: Team) -> None:
    await team.h.say(team.alice, team.chat, "/settings zone Mars/Base")
    assert "not a time zone I know" in last(team)
    await team.h.say(team.alice, team.chat, "/settings weight speed -1")
    assert "from 0 to 5" in last(team)
    prefs = await team.h.dp["settings"].of(team.chat.id)
    assert prefs.timezone == "UTC" and prefs.weights[Criterion.SPEED] == 1.0
    await team.h.say(team.alice, team.chat, "/settings zone Europe/Amsterdam")
    assert "Saved" in last(team) and "🕒 Time zone: Europe/Amsterdam" in last(team)
    await team.h.say(team.alice, team.chat, "/settings brainstorm 20m")
    await team.h.say(team.alice, team.chat, "/brainstorm")
    ws = await team.h.ctx.store.workshops.active(team.chat.id)
    assert ws is not None and ws.deadline is not None
    assert ws.deadline - ws.started_at == pytest.approx(
        timedelta(minutes=20), abs=timedelta(seconds=2)
    )
    assert "CET" in last(team) or "CEST" in last(team) or "Amsterdam" in last(team)


async def test_menu_buttons_switch_the_language(team: Team) -> None:
    await team.h.say(team.alice, team.chat, "/settings")
    menu = Message(message_id=7, date=NOW, chat=team.chat, text="menu")
    await team.h.click(team.alice, menu, SettingsAction(k="lang").pack())
    choices = team.h.session.of(EditMessageText)[-1]
    assert "Nederlands" in str(choices.reply_markup)
    await team.h.click(team.alice, menu, SettingsAction(k="lang", v="nl").pack())
    shown = team.h.session.of(EditMessageText)[-1].text
    assert "Instellingen" in shown and "Taal: Nederlands" in shown and "Opgeslagen" in shown
    # A forged value is checked like a typed one.
    await team.h.click(team.alice, menu, SettingsAction(k="weight", v="speed -1").pack())
    assert team.last_answer().show_alert and "0 tot 5" in str(team.last_answer().text)
    await team.h.click(team.alice, menu, SettingsAction(k="weight", v="speed 1.5").pack())
    prefs = await team.h.dp["settings"].of(team.chat.id)
    assert prefs.weights[Criterion.SPEED] == 1.5 and prefs.locale == "nl"
    # The group now hears Dutch, whoever writes.
    await team.h.say(team.bob, team.chat, "/brainstorm 10m")
    assert "Alleen chatbeheerders" in last(team) or "beheerders" in last(team)
    await team.h.say(team.alice, team.chat, "/brainstorm 10m")
    assert "Brainstorm" in last(team) and "contactmoment" in last(team)
    await team.h.click(team.alice, menu, SettingsAction(k="close").pack())
    assert "gesloten" in team.h.session.of(EditMessageText)[-1].text


async def test_private_settings_choose_ones_own_language(team: Team) -> None:
    bob, chat = team.bob, private_chat(team.bob)
    await team.h.say(bob, chat, "/settings")
    assert "Your settings" in team.h.session.sent(bob.id)[-1].text
    await team.h.say(bob, chat, "/settings zone Europe/Amsterdam")
    assert "only your own language" in team.h.session.sent(bob.id)[-1].text
    await team.h.say(bob, chat, "/settings lang xx")
    assert "en, ru or nl" in team.h.session.sent(bob.id)[-1].text
    panel = Message(message_id=3, date=NOW, chat=chat, text="panel")
    await team.h.click(bob, panel, SettingsAction(k="raters", v="1").pack())
    assert team.last_answer().show_alert  # only the language here
    await team.h.click(bob, panel, SettingsAction(k="lang", v="ru").pack())
    assert "Сохранено" in str(team.last_answer().text)
    # Telegram still says English; the chosen language wins in private, not in the group.
    await team.h.say(bob, chat, "/help")
    assert "<b>Как проходит сессия</b>" in team.h.session.sent(bob.id)[-1].text
    user = await team.h.ctx.store.users.get(bob.id)
    assert user is not None and team.h.ctx.locale_for(user.language_code) == "ru"
    await team.h.say(bob, team.chat, "/help")
    assert "How a workshop goes" in last(team)


async def test_a_language_change_reaches_a_running_rounds_reminders(team: Team) -> None:
    _ws, rnd = await team.open_round()  # opened in English
    wizard = await team.open_wizard(team.bob, rnd)
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 0, 5)
    await team.h.say(team.alice, team.chat, "/settings lang ru")
    await team.rating.remind(rnd.id)
    assert "Ещё не закончили" in last(team)
    # Bob's private nudge follows Bob's own language, as every private message does.
    assert "not finished yet" in team.h.session.sent(team.bob.id)[-1].text


def test_weights_read_with_the_chats_decimal_mark() -> None:
    """Issue 25: ×1,5 in a Russian or Dutch menu, ×1.5 in English; the button's data keeps
    the dot it is parsed back with."""
    from dataclasses import replace

    from bot.i18n import make_i18n
    from bot.views.settings import choices_markup, menu_text

    prefs = replace(DEFAULTS, weights={**dict.fromkeys(CRITERIA, 1.0), Criterion.SPEED: 1.5})
    i18n = make_i18n("en")
    for locale, shown in (("en", "×1.5"), ("ru", "×1,5"), ("nl", "×1,5")):
        with i18n.context(), i18n.use_locale(locale):
            assert shown in menu_text(replace(prefs, locale=locale), "Team")
            buttons = [b for row in choices_markup("weight", prefs).inline_keyboard for b in row]
        speed = next(b for b in buttons if shown in b.text)
        assert speed.callback_data is not None and speed.callback_data.endswith(" 2")
