"""/list, /drop, /merge, /rename, and the shortlist keyboard before rating."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.durations import DurationError, parse_duration
from bot.core.ideas import MAX_LENGTH, MIN_LENGTH, normalise, parse_lines
from bot.core.text import shorten
from bot.domain import Phase
from handlers.callbacks import ReviewAction, ReviewOp
from handlers.flow import Flow
from handlers.permissions import sender_id
from handlers.rating import RatingFlow
from handlers.telegram import edit_text
from storage import Storage
from storage.models import Touchpoint, Workshop

PAGE_SIZE = 8
EDITABLE = (Phase.BRAINSTORM, Phase.REVIEW)


async def show_list(message: Message, flow: Flow, store: Storage) -> None:
    """/list: the current touchpoints of this chat's workshop."""
    ws = await store.workshops.active(message.chat.id) or await store.workshops.latest(
        message.chat.id
    )
    if ws is None:
        await message.reply(_("No workshop here yet. Start one with /brainstorm."))
        return
    await flow.post_list(ws)


async def _editable(message: Message, flow: Flow, store: Storage) -> Workshop | None:
    ws = await store.workshops.active(message.chat.id)
    if ws is None or ws.phase not in EDITABLE:
        await message.reply(_("The list can be edited only until rating starts."))
        return None
    if not await flow.may_steer(ws, sender_id(message)):
        await message.reply(_("Only the facilitator or a chat admin can do that."))
        return None
    return ws


def _numbers(args: str | None, count: int) -> list[int] | None:
    parts = (args or "").replace(",", " ").split()
    if len(parts) < count or not all(p.lstrip("#").isdigit() for p in parts[:count]):
        return None
    return [int(p.lstrip("#")) for p in parts[:count]]


async def _touchpoint(
    message: Message, store: Storage, ws: Workshop, number: int
) -> Touchpoint | None:
    tp = await store.touchpoints.by_number(ws.id, number)
    if tp is None:
        await message.reply(_("There is no touchpoint number {n}. See /list.").format(n=number))
    return tp


async def drop(message: Message, command: CommandObject, flow: Flow, store: Storage) -> None:
    """/drop N"""
    ws = await _editable(message, flow, store)
    if ws is None:
        return
    numbers = _numbers(command.args, 1)
    if numbers is None:
        await message.reply(_("Usage: /drop N (the number from /list)."))
        return
    tp = await _touchpoint(message, store, ws, numbers[0])
    if tp is None:
        return
    await store.touchpoints.drop(tp.id)
    flow.boards.touch(ws.id)
    await message.reply(_("Dropped {n}. {text}").format(n=tp.number, text=escape(tp.text)))


async def merge(message: Message, command: CommandObject, flow: Flow, store: Storage) -> None:
    """/merge N M: M folds into N, keeping every contributor."""
    ws = await _editable(message, flow, store)
    if ws is None:
        return
    numbers = _numbers(command.args, 2)
    if numbers is None or numbers[0] == numbers[1]:
        await message.reply(_("Usage: /merge N M (two different numbers from /list)."))
        return
    keep = await _touchpoint(message, store, ws, numbers[0])
    gone = await _touchpoint(message, store, ws, numbers[1]) if keep else None
    if keep is None or gone is None:
        return
    await store.touchpoints.merge(keep.id, gone.id)
    merged = await store.touchpoints.by_number(ws.id, keep.number)
    flow.boards.touch(ws.id)
    await message.reply(
        _("Merged {m} into {n}. {text} (+{plus})").format(
            m=gone.number,
            n=keep.number,
            text=escape(keep.text),
            plus=(merged.votes if merged else keep.votes) - 1,
        )
    )


async def rename(message: Message, command: CommandObject, flow: Flow, store: Storage) -> None:
    """/rename N new text"""
    ws = await _editable(message, flow, store)
    if ws is None:
        return
    parts = (command.args or "").split(maxsplit=1)
    numbers = _numbers(parts[0] if parts else "", 1)
    lines = parse_lines(parts[1]) if len(parts) == 2 else []
    if numbers is None or len(lines) != 1:
        await message.reply(_("Usage: /rename N new text"))
        return
    line = lines[0]
    if line.problem is not None:
        await message.reply(
            _("A touchpoint needs {min} to {max} characters.").format(
                min=MIN_LENGTH, max=MAX_LENGTH
            )
        )
        return
    tp = await _touchpoint(message, store, ws, numbers[0])
    if tp is None:
        return
    await store.touchpoints.rename(tp.id, line.text, normalise(line.text))
    flow.boards.touch(ws.id)
    await message.reply(_("Renamed {n}: {text}").format(n=tp.number, text=escape(line.text)))


def shortlist_text(ws: Workshop, touchpoints: list[Touchpoint], limit: int) -> str:
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
    ws: Workshop, touchpoints: list[Touchpoint], page: int, limit: int
) -> InlineKeyboardMarkup:
    pages = max(1, -(-len(touchpoints) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    builder = InlineKeyboardBuilder()
    for tp in touchpoints[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]:
        mark = "✅" if tp.shortlisted else "▫️"
        votes = f" (+{tp.votes - 1})" if tp.votes > 1 else ""
        builder.button(
            text=f"{mark} {tp.number}. {shorten(tp.text, 40)}{votes}",
            callback_data=ReviewAction(op=ReviewOp.TOGGLE, ws=ws.id, tp=tp.id, page=page),
        )
    widths = [1] * len(touchpoints[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    if pages > 1:
        builder.button(
            text="◀", callback_data=ReviewAction(op=ReviewOp.PAGE, ws=ws.id, page=page - 1)
        )
        builder.button(
            text=f"{page + 1}/{pages}",
            callback_data=ReviewAction(op=ReviewOp.PAGE, ws=ws.id, page=page),
        )
        builder.button(
            text="▶", callback_data=ReviewAction(op=ReviewOp.PAGE, ws=ws.id, page=page + 1)
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


async def offer_shortlist(
    flow: Flow, rating: RatingFlow, ws: Workshop, length: timedelta | None = None
) -> None:
    """Short lists go straight to rating; long ones get the shortlist keyboard first."""
    store = flow.ctx.store
    limit = flow.ctx.config.workshop.max_touchpoints
    touchpoints = await store.touchpoints.live(ws.id)
    if not touchpoints:
        with flow.ctx.speaking(ws.locale):
            await flow.ctx.bot.send_message(
                ws.chat_id, _("There are no touchpoints to rate: the list is empty.")
            )
        return
    if len(touchpoints) <= limit:
        await store.touchpoints.set_shortlist(ws.id, [tp.id for tp in touchpoints])
        await rating.open_round(ws, length)
        return
    if not any(tp.shortlisted for tp in touchpoints):
        ranked = sorted(touchpoints, key=lambda tp: (-tp.votes, tp.number))[:limit]
        await store.touchpoints.set_shortlist(ws.id, [tp.id for tp in ranked])
        touchpoints = await store.touchpoints.live(ws.id)
    with flow.ctx.speaking(ws.locale):
        await flow.ctx.bot.send_message(
            ws.chat_id,
            shortlist_text(ws, touchpoints, limit),
            reply_markup=shortlist_markup(ws, touchpoints, 0, limit),
        )


async def review_button(
    query: CallbackQuery,
    callback_data: ReviewAction,
    flow: Flow,
    rating: RatingFlow,
    store: Storage,
) -> None:
    """Shortlist & rate, Edit list, and the shortlist keyboard: facilitator only."""
    ws = await store.workshops.get(callback_data.ws)
    chat_id = query.message.chat.id if query.message else None
    if ws is None or ws.chat_id != chat_id or ws.phase is not Phase.REVIEW:
        await query.answer(_("This button belongs to an earlier step."), show_alert=True)
        return
    if not await flow.may_steer(ws, query.from_user.id):
        await query.answer(_("Only the facilitator or a chat admin can do that."), show_alert=True)
        return
    op = callback_data.op
    limit = flow.ctx.config.workshop.max_touchpoints
    if op is ReviewOp.EDIT:
        await query.answer(
            _("Edit with /drop N, /merge N M and /rename N text; /list shows the numbers."),
            show_alert=True,
        )
        return
    if op is ReviewOp.SHORTLIST:
        await query.answer()
        await offer_shortlist(flow, rating, ws)
        return
    touchpoints = await store.touchpoints.live(ws.id)
    if op is ReviewOp.RATE:
        picked = [tp for tp in touchpoints if tp.shortlisted]
        if not 1 <= len(picked) <= limit:
            await query.answer(
                _("Pick between 1 and {max} touchpoints first.").format(max=limit), show_alert=True
            )
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
        await rating.open_round(ws)
        return
    if op is ReviewOp.TOGGLE:
        tp = next((t for t in touchpoints if t.id == callback_data.tp), None)
        if tp is None:
            await query.answer(_("That touchpoint is no longer on the list."), show_alert=True)
            return
        if not tp.shortlisted and sum(t.shortlisted for t in touchpoints) >= limit:
            await query.answer(
                _("The wheel holds at most {max}. Unpick one first.").format(max=limit),
                show_alert=True,
            )
            return
        await store.touchpoints.toggle_shortlisted(ws.id, tp.id)
        touchpoints = await store.touchpoints.live(ws.id)
    await query.answer()
    if query.message is not None:
        await edit_text(
            flow.ctx.bot,
            ws.chat_id,
            query.message.message_id,
            shortlist_text(ws, touchpoints, limit),
            shortlist_markup(ws, touchpoints, callback_data.page, limit),
        )


async def rate_command(
    message: Message, command: CommandObject, flow: Flow, rating: RatingFlow
) -> None:
    """/rate [duration]: open a round (shortlisting first when the list is long)."""
    store = flow.ctx.store
    ws = await store.workshops.active(message.chat.id) or await store.workshops.latest(
        message.chat.id
    )
    if ws is None or ws.phase is Phase.BRAINSTORM:
        await message.reply(
            _(
                "Rating comes after the brainstorm. Start one with /brainstorm, or end the "
                "running one with /finish."
            )
        )
        return
    if not await flow.may_steer(ws, sender_id(message)):
        await message.reply(_("Only the facilitator or a chat admin can do that."))
        return
    if ws.phase is Phase.RATING:
        await message.reply(_("A rating round is already open; /finish closes it."))
        return
    try:
        length = parse_duration(command.args) if command.args else None
    except DurationError:
        await message.reply(_("I could not read that duration. Try 30, 30m, 90s, 2h or 1d."))
        return
    if ws.phase is Phase.RESULTS:
        if await rating.open_round(ws, length) is None:
            await message.reply(_("There are no shortlisted touchpoints to rate."))
        return
    await offer_shortlist(flow, rating, ws, length)


def make_router() -> Router:
    router = Router(name="listing")
    group = F.chat.type.in_({"group", "supergroup"})
    router.message.register(show_list, Command("list"), group)
    router.message.register(drop, Command("drop"), group)
    router.message.register(merge, Command("merge"), group)
    router.message.register(rename, Command("rename"), group)
    router.message.register(rate_command, Command("rate"), group)
    router.callback_query.register(review_button, ReviewAction.filter())
    return router
