"""What the plan did, as the group reads it under the ranking; the item history shared by
/plan and the exports. Correlation only: spokes "moved", the texts never say "caused"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.core.effect import Effect, Outcome, Status
from bot.views import common
from bot.views.common import num, show_date, user_label
from storage.models import User


def signed(value: float) -> str:
    """+1.8, −0,4, ±0.0: a change with its sign (a true minus), in the chat's language."""
    if abs(value) < 0.05:
        return "±" + num(0.0)
    return common.signed(value)


def moved(value: float | None) -> str:
    """▲ +1.8, ▼ −0.4, ＝, or — (not rated in both rounds)."""
    if value is None:
        return "—"
    if abs(value) < 0.05:
        return "＝"
    return ("▲ " if value > 0 else "▼ ") + signed(value)


def local_date(moment: datetime, zone: str) -> str:
    """A stored moment as the chat's day: 01.12.2026."""
    return show_date(moment.astimezone(ZoneInfo(zone)).date().isoformat())


def status_text(outcome: Outcome, owners: Mapping[int, User], zone: str) -> str:
    """ "✅ done on 28.11.2026", "🔧 in progress · 👤 @bob · 📅 12.12.2026", "⏰ overdue · …",
    "⚪ not started"."""
    item = outcome.item
    if outcome.status is Status.DONE:
        assert item.done_at is not None
        day = local_date(item.done_at, zone)
        if outcome.stalled:
            return _("✅ done on {date}, no change yet").format(date=day)
        return _("✅ done on {date}").format(date=day)
    head = {
        Status.IN_PROGRESS: _("🔧 in progress"),
        Status.OVERDUE: _("⏰ overdue"),
        Status.NOT_STARTED: _("⚪ not started"),
    }[outcome.status]
    parts = [head]
    if item.owner_id is not None and item.owner_id in owners:
        parts.append("👤 " + escape(user_label(owners[item.owner_id])))
    if item.due_date:
        parts.append("📅 " + show_date(item.due_date))
    return " · ".join(parts)


def summary_line(effect: Effect) -> str:
    """ "3 actions done: their spokes moved +1.8 on average; the 4 spokes without a done
    action +0.2." """
    others = ""
    if effect.others and effect.others_change is not None:
        others = ngettext(
            "the {n} spoke without a done action {change}",
            "the {n} spokes without a done action {change}",
            effect.others,
        ).format(n=effect.others, change=signed(effect.others_change))
    if not effect.done or effect.done_change is None:
        line = _("No action of that plan is done yet")
        return "📈 " + line + ("; " + others if others else "") + "."
    done = ngettext("{n} action done", "{n} actions done", effect.done).format(n=effect.done)
    spokes = (
        _("its spoke moved {change}")
        if effect.done == 1
        else _("their spokes moved {change} on average")
    ).format(change=signed(effect.done_change))
    return "📈 " + done + ": " + spokes + ("; " + others if others else "") + "."


def effect_lines(
    effect: Effect,
    names: Mapping[int, tuple[int, str]],
    owners: Mapping[int, User],
    zone: str,
    next_actions: Mapping[int, str],
) -> list[str]:
    """Each item of the previous plan: its number and name, its status and its spoke's
    change since the round it was made in; a done item whose spoke did not move gets its
    channel's next action (`next_actions`: touchpoint -> the new plan's action). Then done
    against the rest."""
    lines = [_("🎯 <b>What the plan of round {n} did</b>").format(n=effect.since)]
    for outcome in effect.outcomes:
        item = outcome.item
        number, name = names.get(item.touchpoint_id, (0, "?"))
        change = moved(outcome.change)
        if item.made_round != effect.since:
            change += " " + _("since round {n}").format(n=item.made_round)
        lines.append(
            f"• {number}. {escape(name)}: " + status_text(outcome, owners, zone) + f" · {change}"
        )
        following = next_actions.get(item.touchpoint_id)
        if outcome.stalled and following and following != item.action:
            lines.append("   " + _("→ next step: {action}").format(action=escape(following)))
    lines.append(summary_line(effect))
    return lines
