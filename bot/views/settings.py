"""The /settings menu: the chat's current values, the choices for each, the refusals."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core import localized
from bot.core.clock import format_left
from bot.core.preferences import KEYS, Preferences
from bot.domain import CRITERIA
from bot.i18n import N_
from bot.views.callbacks import SettingsAction
from bot.views.common import criterion_name, current_locale

LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "nl": "Nederlands"}
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Almaty",
    "America/New_York",
)
PRESETS: dict[str, tuple[str, ...]] = {
    "lang": tuple(LANGUAGE_NAMES),
    "zone": ZONES,
    "brainstorm": ("10m", "15m", "30m", "45m", "1h", "2h"),
    "rating": ("15m", "30m", "1h", "2h", "1d"),
    "customers": ("0", "40", "50", "60", "70"),
    "raters": ("1", "2", "3", "4", "5"),
    "capture": ("replies", "all"),
    "spokes": ("6", "8", "10", "12", "16", "20"),
    "facilitate": ("admins", "anyone"),
}
WEIGHT_STEPS = (0.5, 1.0, 1.5, 2.0)

ADMINS_ONLY = N_("Only chat admins can change the settings.")
SAVED = N_("✅ Saved. It applies from the next phase on; running timers keep theirs.")
CLOSED = N_("⚙️ Settings closed. /settings opens them again.")
LANGUAGE_SAVED = N_("✅ Saved: I will write to you in this language.")
GROUP_SETTINGS = N_(
    "Here you can choose only your own language. A group's settings are changed in the group "
    "with /settings, by its admins."
)


def own_language(locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """/settings in private: the language of the bot's private messages to this user."""
    text = "\n".join(
        [
            _("⚙️ <b>Your settings</b>"),
            _("🌐 Language: {language}").format(language=LANGUAGE_NAMES.get(locale, locale)),
            _(
                "Your rating forms, reminders and answers here use it. A group speaks its own "
                "language (its admins set it with /settings there)."
            ),
        ]
    )
    builder = InlineKeyboardBuilder()
    for code, name in LANGUAGE_NAMES.items():
        builder.button(
            text=f"• {name} •" if code == locale else name,
            callback_data=SettingsAction(k="lang", v=code),
        )
    builder.adjust(3)
    return text, builder.as_markup()


def _weight(value: float) -> str:
    """A weight in a button's data: 1.5."""
    return f"{value:g}"


def _shown_weight(value: float) -> str:
    """A weight as the chat reads it: 1.5 / 1,5."""
    return localized.number(value, current_locale(), 2, trim=True)


def _minutes(minutes: float, locale: str) -> str:
    return format_left(timedelta(minutes=minutes), locale)


def _choice(key: str, value: str) -> str:
    """A value (a preset, or the chat's current one) as the menu says it."""
    if key == "lang":
        return LANGUAGE_NAMES.get(value, value)
    if key == "customers":
        return f"{value} %"
    if key == "capture":
        return _("every message") if value == "all" else _("/idea and replies")
    if key == "facilitate":
        return _("anyone") if value == "anyone" else _("chat admins")
    return value


def _shown(key: str, prefs: Preferences) -> str:
    """The current value of one setting, as the menu shows it (and marks it among the
    choices)."""
    if key == "brainstorm":
        return _minutes(prefs.brainstorm_minutes, prefs.locale)
    if key == "rating":
        return _minutes(prefs.rating_minutes, prefs.locale)
    if key == "weight":
        return " · ".join(
            f"{criterion_name(c)} ×{_shown_weight(prefs.weights[c])}" for c in CRITERIA
        )
    current = {
        "lang": prefs.locale,
        "zone": prefs.timezone,
        "customers": str(round(prefs.customer_weight * 100)),
        "raters": str(prefs.min_raters),
        "capture": prefs.capture,
        "spokes": str(prefs.max_touchpoints),
        "facilitate": "anyone" if prefs.anyone_can_start else "admins",
    }
    return _choice(key, current[key])


def _label(key: str) -> str:
    labels = {
        "lang": _("🌐 Language"),
        "zone": _("🕒 Time zone"),
        "brainstorm": _("🧠 Brainstorm length"),
        "rating": _("⭐ Rating length"),
        "weight": _("⚖️ Criterion weights"),
        "customers": _("🗣 Customers' weight"),
        "raters": _("👥 Minimum raters"),
        "capture": _("💬 Ideas come from"),
        "spokes": _("🛞 Most spokes"),
        "facilitate": _("🎙 Who may start"),
    }
    return labels[key]


def menu_text(prefs: Preferences, chat_title: str, note: str = "") -> str:
    lines = [_("⚙️ <b>Settings</b> · {chat}").format(chat=escape(chat_title))]
    if note:
        lines.append(note)
    lines.append("")
    lines.extend(f"{_label(key)}: {escape(_shown(key, prefs))}" for key in KEYS)
    lines.append("")
    lines.append(
        _(
            "Tap a setting to change it, or type it: <code>/settings zone Asia/Tbilisi</code>, "
            "<code>/settings weight speed 2</code>, <code>/settings brainstorm 20m</code>."
        )
    )
    return "\n".join(lines)


def menu_markup() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for key in KEYS:
        builder.button(text=_label(key), callback_data=SettingsAction(k=key))
    builder.button(text=_("✖️ Close"), callback_data=SettingsAction(k="close"))
    builder.adjust(2)
    return builder.as_markup()


def choices_text(key: str, prefs: Preferences) -> str:
    """Above a setting's choices: what it is now and how to type another value."""
    lines = [f"{_label(key)}: <b>{escape(_shown(key, prefs))}</b>"]
    hints = {
        "zone": _("Another zone: <code>/settings zone Area/City</code>, e.g. Asia/Tbilisi."),
        "brainstorm": _("Another length: <code>/settings brainstorm 20m</code>."),
        "rating": _("Another length: <code>/settings rating 3h</code>."),
        "weight": _(
            "Each tap moves a weight to the next step (0.5 → 1 → 1.5 → 2). Another value "
            "from 0 to 5: <code>/settings weight speed 3</code>."
        ),
        "customers": _(
            "How much customers' answers weigh in the overall score, once enough of them rated."
        ),
        "raters": _("Results show once this many people rated."),
        "spokes": _("A longer list is shortlisted to this many spokes."),
        "capture": _("“Every message” needs privacy mode off or the bot as an admin."),
    }
    if key in hints:
        lines.append(hints[key])
    return "\n".join(lines)


def choices_markup(key: str, prefs: Preferences) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if key == "weight":
        for criterion in CRITERIA:
            now = prefs.weights[criterion]
            after = next((w for w in WEIGHT_STEPS if w > now), WEIGHT_STEPS[0])
            builder.button(
                text=f"{criterion_name(criterion)} ×{_shown_weight(now)}",
                callback_data=SettingsAction(k=key, v=f"{criterion.value} {_weight(after)}"),
            )
        builder.adjust(1)
    else:
        current = _shown(key, prefs)
        for value in PRESETS[key]:
            text = _choice(key, value)
            builder.button(
                text=f"• {text} •" if text == current else text,
                callback_data=SettingsAction(k=key, v=value),
            )
        builder.adjust(2)
    builder.row()
    back = InlineKeyboardBuilder()
    back.button(text=_("◀ Back"), callback_data=SettingsAction(k=""))
    builder.attach(back)
    return builder.as_markup()


def problem(code: str) -> str:
    """Why a value was refused."""
    texts = {
        "key": _(
            "I do not know that setting. These exist: lang, zone, brainstorm, rating, weight, "
            "customers, raters, capture, spokes, facilitate."
        ),
        "lang": _("The language is en, ru or nl."),
        "zone": _(
            "That is not a time zone I know. Use the Area/City form, e.g. Europe/Amsterdam "
            "or Asia/Tbilisi."
        ),
        "duration": _("Write a length from 1 minute to 7 days, e.g. 20m, 1h or 2d."),
        "criterion": _("Name the criterion: simplicity, convenience or speed."),
        "weight": _("A weight is a number from 0 to 5."),
        "number": _("That is not a number."),
        "percent": _("Customers' weight is a percentage from 0 to 100."),
        "raters": _("Minimum raters is a whole number from 1 to 100."),
        "spokes": _("Most spokes is a whole number from 3 to 30."),
        "capture": _("Ideas come from “replies” or “all”."),
        "facilitate": _("Who may start: “admins” or “anyone”."),
    }
    return "⚠️ " + texts.get(code, texts["key"])
