"""After the bell: the numbered list, the review buttons and the shortlist keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.text import chunk_lines, shorten
from bot.domain import Phase
from bot.i18n import N_
from bot.views.brainstorm import counts_line, touchpoint_line
from bot.views.callbacks import ReviewAction, ReviewOp
from bot.views.common import quoted
from storage.models import Touchpoint, Workshop

PAGE_SIZE = 8


def list_messages(
    ws: Workshop, touchpoints: Sequence[Touchpoint], contributors: int, *, final: bool
) -> tuple[list[str], InlineKeyboardMarkup | None]:
    """The whole numbered list split over messages; the review buttons go on the last."""
    head = _("🔔 <b>Time is up!</b>") if final else _("📋 <b>Touchpoints</b>")
    if ws.topic:
        head += f" {escape(ws.topic)}"
    lines = [head, counts_line(len(touchpoints), contributors), ""]
    lines.extend(touchpoint_line(tp, width=200) for tp in touchpoints)
    if not touchpoints:
        lines.append(_("The list is empty."))
    markup = None
    if ws.phase is Phase.REVIEW and touchpoints:
        lines.append("")
        lines.append(
            _(
                "The facilitator can now edit the list (/drop N, /merge N M, "
                "/rename N text) and then shortlist and rate."
            )
        )
        markup = review_markup(ws)
    return chunk_lines(lines), markup


def review_markup(ws: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⭐ Shortlist & rate"),
        callback_data=ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id),
    )
    builder.button(text=_("✏️ Edit list"), callback_data=ReviewAction(op=ReviewOp.EDIT, ws=ws.id))
    return builder.as_markup()


NOTHING_TO_RATE = N_("There are no touchpoints to rate: the list is empty.")


def shortlist_text(touchpoints: Sequence[Touchpoint], limit: int) -> str:
    picked = sum(1 for tp in touchpoints if tp.shortlisted)
    return "\n".join(
        [
            _("⭐ <b>Shortlist for the wheel</b>"),
            _(
                "Tap touchpoints to pick up to {max} of {total} ({picked} picked). They are "
                "pre-selected by the number of people who named them."
            ).format(max=limit, total=len(touchpoints), picked=picked),
        ]
    )


def shortlist_markup(
    ws: Workshop, touchpoints: Sequence[Touchpoint], page: int
) -> InlineKeyboardMarkup:
    """One button per touchpoint on this page, paging, and "Rate these N"."""
    pages = max(1, -(-len(touchpoints) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = touchpoints[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    builder = InlineKeyboardBuilder()
    for tp in shown:
        mark = "✅" if tp.shortlisted else "▫️"
        votes = f" (+{tp.votes - 1})" if tp.votes > 1 else ""
        builder.button(
            text=f"{mark} {tp.number}. {shorten(tp.text, 40)}{votes}",
            callback_data=ReviewAction(op=ReviewOp.TOGGLE, ws=ws.id, tp=tp.id, page=page),
        )
    widths = [1] * len(shown)
    if pages > 1:
        for text, target in (("◀", page - 1), (f"{page + 1}/{pages}", page), ("▶", page + 1)):
            builder.button(
                text=text, callback_data=ReviewAction(op=ReviewOp.PAGE, ws=ws.id, page=target)
            )
        widths.append(3)
    picked = sum(1 for tp in touchpoints if tp.shortlisted)
    builder.button(
        text=_("⭐ Rate these {n}").format(n=picked),
        callback_data=ReviewAction(op=ReviewOp.RATE, ws=ws.id, page=page),
    )
    widths.append(1)
    builder.adjust(*widths)
    return builder.as_markup()


GONE_FROM_LIST = N_("That touchpoint is no longer on the list.")


def wheel_full(limit: int) -> str:
    return _("The wheel holds at most {max}. Unpick one first.").format(max=limit)


def pick_first(limit: int) -> str:
    return _("Pick between 1 and {max} touchpoints first.").format(max=limit)


def merged(gone: Touchpoint, keep: Touchpoint, votes: int) -> str:
    """ "Merged 7. “Calling the clinic” into 2. “Phone line to the reception”. 3 people named
    it." (`votes`: how many people named the touchpoint now; one person who wrote both is
    still one person, and then nothing is said)."""
    names = {
        "m": gone.number,
        "gone": escape(quoted(gone.text)),
        "n": keep.number,
        "keep": escape(quoted(keep.text)),
    }
    if votes < 2:
        return _("Merged {m}. {gone} into {n}. {keep}.").format(**names)
    return ngettext(
        "Merged {m}. {gone} into {n}. {keep}. {votes} person named it.",
        "Merged {m}. {gone} into {n}. {keep}. {votes} people named it.",
        votes,
    ).format(votes=votes, **names)
