"""Texts every phase shares: criterion and stage names, people, dates, and the refusals."""

from __future__ import annotations

from datetime import date, datetime
from html import escape

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.core import clock, localized
from bot.domain import Criterion, Stage
from bot.i18n import N_
from storage.models import User


def criterion_name(criterion: Criterion) -> str:
    names = {
        Criterion.SIMPLICITY: _("Simplicity"),
        Criterion.CONVENIENCE: _("Convenience"),
        Criterion.SPEED: _("Response speed"),
    }
    return names[criterion]


def stage_label(stage: Stage) -> str:
    labels = {Stage.BEFORE: _("before"), Stage.DURING: _("during"), Stage.AFTER: _("after")}
    return labels.get(stage, "")


def mention(user_id: int, name: str) -> str:
    """A link that notifies the user, with their name escaped."""
    return f'<a href="tg://user?id={user_id}">{escape(name)}</a>'


def message_link(chat_id: int, message_id: int | None) -> str | None:
    """A t.me link to a message of a supergroup (members can open it); None for basic groups,
    whose messages have no links."""
    digits = str(chat_id)
    if message_id is None or not digits.startswith("-100"):
        return None
    return f"https://t.me/c/{digits[4:]}/{message_id}"


def user_label(user: User) -> str:
    return f"@{user.username}" if user.username else user.full_name


def current_locale() -> str:
    """The language the texts being built are in."""
    return get_i18n().current_locale


def num(value: float, digits: int = 1) -> str:
    """A score in the current language: 6.3 / 6,3."""
    return localized.number(value, current_locale(), digits)


def signed(value: float, digits: int = 1) -> str:
    """A change with its sign in the current language: +1.2 / −0,4."""
    return localized.signed(value, current_locale(), digits)


def day(value: date | datetime, year: bool = True) -> str:
    """A day as people here write it: 16 Dec 2026 / 16 дек. 2026 / 16 dec 2026."""
    return localized.day(value, current_locale(), year)


def local_time(moment: datetime, zone: str, now: datetime | None = None) -> str:
    """An end time in the chat's zone and language: "14:30 CET", "3 Dec 14:30 CET"."""
    return clock.format_local(moment, zone, current_locale(), now)


def show_date(iso: str) -> str:
    """A stored ISO date as people here write it: 16 Dec 2026."""
    return day(date.fromisoformat(iso))


def quoted(text: str) -> str:
    """«…» in Russian, “…” in English and Dutch."""
    return localized.quote(text, current_locale())


# --- refusals, each written once ------------------------------------------------------------


NOT_ALLOWED = N_("Only the facilitator or a chat admin can do that.")


LINK_INVALID = N_("This link is not valid or has expired. Ask in your group for a fresh one.")


EARLIER_STEP = N_("This button belongs to an earlier step.")


NO_RESULTS = N_("No results yet: they appear when a rating round closes.")


NO_PLAN = N_("There is no action plan yet: it comes with the results of a rating round.")


UNREADABLE_DURATION = N_("I could not read that duration. Try 30, 30m, 90s, 2h or 1d.")


def duration_problem(code: str) -> str:
    """Why a duration was refused (`DurationError.code`)."""
    if code == "too_short":
        return _("That is too short: the shortest is 10 seconds.")
    if code == "too_long":
        return _("That is too long: the longest is 7 days.")
    return _(UNREADABLE_DURATION)


GROUP_ONLY = N_("This command works in your team's group chat. Add me there first.")


STALE_BUTTON = N_("This button is no longer valid.")
