"""The brainstorm as the group sees it: the live board, its buttons, the warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.clock import MARK_SPREAD, countdown_mark, format_left
from bot.core.text import shorten
from bot.domain import Phase, Stage
from bot.views.callbacks import BoardAction, BoardOp
from bot.views.common import local_time, stage_label
from storage.models import Touchpoint, Workshop

BOARD_NEWEST = 15
EXTEND_BUTTON_MINUTES = 5


def touchpoint_line(tp: Touchpoint, width: int = 120) -> str:
    """ "3. Website chat · before (+2)": numbered, escaped, stage and extra votes shown."""
    line = f"{tp.number}. {escape(shorten(tp.text, width))}"
    if tp.stage is not Stage.NONE:
        line += f" <i>· {stage_label(tp.stage)}</i>"
    if tp.votes > 1:
        line += f" <b>(+{tp.votes - 1})</b>"
    if tp.customers:
        line += " · 🗣 " + ngettext("{n} customer", "{n} customers", tp.customers).format(
            n=tp.customers
        )
    return line


def counts_line(touchpoints: int, contributors: int, customers: int = 0) -> str:
    """ "💡 7 touchpoints from 3 contributors", and "· 🗣 2 customers" when customers wrote."""
    line = _("💡 {touchpoints} from {contributors}").format(
        touchpoints=ngettext("{n} touchpoint", "{n} touchpoints", touchpoints).format(
            n=touchpoints
        ),
        contributors=ngettext("{n} contributor", "{n} contributors", contributors).format(
            n=contributors
        ),
    )
    if customers:
        line += " · 🗣 " + ngettext("{n} customer", "{n} customers", customers).format(n=customers)
    return line


def board_text(
    ws: Workshop,
    touchpoints: Sequence[Touchpoint],
    contributors: tuple[int, int],
    zone: str,
    now: datetime,
) -> str:
    """The board as the group sees it: topic, clock, counts (team members and customers
    who wrote), newest ideas (customers' marked, never named), how to add."""
    title = (
        _("🧠 <b>Touchpoint brainstorm</b> · {topic}").format(topic=escape(ws.topic))
        if ws.topic
        else _("🧠 <b>Touchpoint brainstorm</b>")
    )
    lines = [title]
    if ws.phase is Phase.BRAINSTORM and ws.deadline is not None:
        end = local_time(ws.deadline, zone, now)
        left = ws.deadline - now
        if countdown_mark(left, MARK_SPREAD):
            lines.append(
                _("⏰ Ends at {end} · {left} left").format(
                    end=end, left=format_left(left, ws.locale)
                )
            )
        else:
            lines.append(_("⏰ Ends at {end}").format(end=end))
    elif ws.phase is Phase.CANCELLED:
        lines.append(_("✖️ Cancelled."))
    else:
        lines.append(_("🔔 Time is up."))
    lines.append(counts_line(len(touchpoints), *contributors))
    if ws.phase not in (Phase.BRAINSTORM, Phase.CANCELLED) and touchpoints:
        # The bell posts the whole numbered list next: the board does not repeat it.
        lines.append(_("The full list is in the message below (and in /list)."))
        return "\n".join(lines)
    lines.append("")
    shown = list(touchpoints)[-BOARD_NEWEST:]
    if len(touchpoints) > len(shown):
        lines.append(_("… {n} earlier (see /list)").format(n=len(touchpoints) - len(shown)))
    lines.extend(touchpoint_line(tp) for tp in shown)
    if not touchpoints:
        lines.append(_("No touchpoints yet. Every place a customer meets you counts!"))
    if ws.phase is Phase.BRAINSTORM:
        lines.append("")
        lines.append(
            _(
                "➕ Add: <code>/idea</code> with one touchpoint per line, or reply to this "
                "message. Tags: #before #during #after."
            )
        )
    return "\n".join(lines)


def board_markup(ws: Workshop, idea_box_url: str) -> InlineKeyboardMarkup | None:
    """Facilitator buttons and the private idea box link, while the brainstorm runs."""
    if ws.phase is not Phase.BRAINSTORM:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(text=extended_button(), callback_data=BoardAction(op=BoardOp.EXTEND, ws=ws.id))
    builder.button(text=_("Finish now"), callback_data=BoardAction(op=BoardOp.FINISH, ws=ws.id))
    builder.button(text=_("Cancel"), callback_data=BoardAction(op=BoardOp.CANCEL, ws=ws.id))
    builder.button(text=_("🤫 Add privately"), url=idea_box_url)
    builder.adjust(3, 1)
    return builder.as_markup()


def extended_button() -> str:
    """The board's extend button, and the answer when it was pressed."""
    return _("+{n} min").format(n=EXTEND_BUTTON_MINUTES)


def cancel_confirm_markup(ws: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, cancel the workshop"),
        callback_data=BoardAction(op=BoardOp.CANCEL_YES, ws=ws.id),
    )
    builder.button(
        text=_("No, keep going"), callback_data=BoardAction(op=BoardOp.CANCEL_NO, ws=ws.id)
    )
    builder.adjust(1)
    return builder.as_markup()


def warning_text(left: timedelta, locale: str) -> str:
    return _("⏳ {left} left in the brainstorm. Last ideas, please!").format(
        left=format_left(left, locale)
    )
