"""After the results: the plan with owners and dates, due reminders, schedule, history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.core.schedule import Every, ScheduleSpec
from bot.core.text import TELEGRAM_TEXT_LIMIT, chunk_lines, shorten
from bot.i18n import N_
from bot.views.common import day, num, quoted, user_label
from bot.views.results import Results
from storage.models import PlanItem, Round, User

Trend = dict[int, tuple[str, list[float | None]]]


DUE_TODAY = N_("📅 Due today: {items}. /done N when finished.")


def due_today_group(
    due: Sequence[PlanItem], texts: Mapping[int, str], owners: Mapping[int, User]
) -> list[str]:
    """The group's line for everything due today; a long one is split into as few messages
    as fit Telegram's limit, never inside an item."""
    frame = _(DUE_TODAY)
    # One item a line, each ending in ";", so that chunk_lines splits between items; the
    # line breaks then become the spaces between them.
    items = [
        f"{i.number}. {escape(shorten(texts.get(i.touchpoint_id, '?'), 40))}"
        + (
            f" ({escape(user_label(owners[i.owner_id]))})"
            if i.owner_id is not None and i.owner_id in owners
            else ""
        )
        + ";"
        for i in due
    ]
    room = TELEGRAM_TEXT_LIMIT - 96 - len(frame)
    return [
        frame.format(items=chunk.replace("\n", " ").removesuffix(";"))
        for chunk in chunk_lines(items, room)
    ]


def due_today_private(touchpoint: str, action: str) -> str:
    return _("📅 Due today: <b>{touchpoint}</b>\n→ {action}").format(
        touchpoint=escape(touchpoint), action=escape(action)
    )


DUE_USAGE = N_("Usage: /due N date, e.g. /due 2 15.12, /due 2 2w or /due 2 1mo.")


def due_set(number: int, due: date, months: int | None = None) -> str:
    """ "📅 Item 8 is due on 2 Jan 2027", saying so when the date was counted in months."""
    if months is None:
        return _("📅 Item {n} is due on {date}.").format(n=number, date=day(due))
    return ngettext(
        "📅 Item {n} is due on {date}, {months} month from today.",
        "📅 Item {n} is due on {date}, {months} months from today.",
        months,
    ).format(n=number, date=day(due), months=months)


def due_problem(code: str, text: str) -> str:
    """Why /due refused a date (`DueError.code`)."""
    if code == "past":
        return _("That date is in the past. Pick today or a later day.")
    if code == "minutes":
        return _(
            "In {text}, m means minutes, as in /brainstorm 20m. For a due date in months "
            "write mo: 1mo, 2mo."
        ).format(text=escape(quoted(text.strip())))
    return _("I could not read that date. Try 15.12, 2026-12-15, 10d, 2w or 1mo.")


def reevaluation_lines(open_items: Sequence[PlanItem], texts: Mapping[int, str]) -> list[str]:
    """Posted under a scheduled round: what the plan still has open."""
    lines = [_("🔁 Scheduled re-evaluation. Open plan items:")]
    lines += [
        f"{i.number}. {escape(shorten(texts.get(i.touchpoint_id, '?'), 50))} → "
        f"{escape(shorten(i.action, 90))}"
        for i in open_items
    ]
    return lines


def schedule_name(spec: ScheduleSpec) -> str:
    """The schedule in the chat's language: "quarterly at 10:00", "every 14 days at 09:30"."""
    names = {
        Every.WEEKLY: _("weekly"),
        Every.MONTHLY: _("monthly"),
        Every.QUARTERLY: _("quarterly"),
    }
    head = names.get(spec.every) or ngettext("every {n} day", "every {n} days", spec.days).format(
        n=spec.days
    )
    return _("{schedule} at {time}").format(schedule=head, time=f"{spec.at:%H:%M}")


def schedule_set(spec: ScheduleSpec, when: datetime) -> str:
    """`when` already in the chat's zone."""
    return _("🔁 Re-evaluation {spec}. Next round opens on {when}.").format(
        spec=schedule_name(spec), when=f"{day(when)}, {when:%H:%M %Z}"
    )


SCHEDULE_USAGE = N_(
    "I could not read that schedule. Try weekly, monthly, quarterly, every 14d or "
    "off, optionally followed by a time such as 10:00."
)


SCHEDULE_NONE = N_(
    "No re-evaluation is scheduled. Set one with /schedule weekly, monthly, "
    "quarterly or every 14d, optionally with a time such as 10:00."
)


def schedule_current(spec: str) -> str:
    return _("Re-evaluation: {spec}.").format(spec=escape(spec))


def history_series(computed: Sequence[Results]) -> Trend:
    """Touchpoint id -> (its number and first name, its overall score in each round)."""
    names: dict[int, str] = {}
    for res in computed:
        for item in res.items:
            names.setdefault(item.touchpoint_id, f"{item.number}. {item.text}")
    return {
        tp: (
            name,
            [
                next((s.overall for s in res.score.spokes if s.touchpoint_id == tp), None)
                for res in computed
            ],
        )
        for tp, name in names.items()
    }


def history_caption(rounds: int) -> str:
    return ngettext("📈 Trend across {n} round", "📈 Trend across {n} rounds", rounds).format(
        n=rounds
    )


def history_table(rounds: Sequence[Round], series: Trend, roundness: Sequence[float]) -> str:
    """The same numbers as the chart, as a monospace table."""
    roundness_label = _("Roundness")
    # "#1", "№1": a round's column; not R, which is response speed in the ranking's key.
    column = _("#{n}")
    header = f"{'':<18}" + "".join(f"{column.format(n=r.number):>6}" for r in rounds)
    rows = [header]
    for name, values in series.values():
        cells = "".join("     —" if v is None else f"{num(v):>6}" for v in values)
        rows.append(f"{shorten(name, 17):<18}{cells}")
    rows.append(f"{roundness_label:<18}" + "".join(f"{value:>6.0f}" for value in roundness))
    return "<pre>" + escape("\n".join(rows)) + "</pre>"
