"""/list, /drop, /merge, /rename, /rate, and the review and shortlist buttons."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core.durations import DurationError, parse_duration
from bot.core.ideas import MAX_LENGTH, MIN_LENGTH, parse_lines
from bot.domain import Phase
from bot.services.rating import RatingService
from bot.services.review import ReviewService
from bot.services.steering import Steering, sender_id, topic_of
from bot.services.workshops import Workshops
from bot.views import review as views
from bot.views.callbacks import ReviewAction, ReviewOp
from bot.views.common import EARLIER_STEP, NOT_ALLOWED, UNREADABLE_DURATION
from storage.models import Touchpoint, Workshop


async def show_list(message: Message, review: ReviewService, workshops: Workshops) -> None:
    """/list: the current touchpoints of this chat's workshop."""
    ws = await workshops.latest(message.chat.id, topic_of(message))
    if ws is None:
        await message.reply(_("No workshop here yet. Start one with /brainstorm."))
        return
    await review.post_list(ws)


async def _editable(
    message: Message, review: ReviewService, steering: Steering
) -> Workshop | None:
    ws = await review.editable(message.chat.id, topic_of(message))
    if ws is None:
        await message.reply(_("The list can be edited only until rating starts."))
        return None
    if not await steering.may_steer(ws, sender_id(message)):
        await message.reply(_(NOT_ALLOWED))
        return None
    return ws


def _numbers(args: str | None, count: int) -> list[int] | None:
    parts = (args or "").replace(",", " ").split()
    if len(parts) < count or not all(p.lstrip("#").isdigit() for p in parts[:count]):
        return None
    return [int(p.lstrip("#")) for p in parts[:count]]


async def _touchpoint(
    message: Message, review: ReviewService, ws: Workshop, number: int
) -> Touchpoint | None:
    tp = await review.touchpoint(ws, number)
    if tp is None:
        await message.reply(_("There is no touchpoint number {n}. See /list.").format(n=number))
    return tp


async def _numbered(
    message: Message,
    review: ReviewService,
    steering: Steering,
    args: str | None,
    count: int,
    usage: str,
) -> tuple[Workshop, list[Touchpoint]] | None:
    """The editable workshop and `count` different touchpoints named by their list numbers;
    answers with the reason when there are none."""
    ws = await _editable(message, review, steering)
    if ws is None:
        return None
    numbers = _numbers(args, count)
    if numbers is None or len(set(numbers)) != count:
        await message.reply(usage)
        return None
    found: list[Touchpoint] = []
    for number in numbers:
        tp = await _touchpoint(message, review, ws, number)
        if tp is None:
            return None
        found.append(tp)
    return ws, found


async def drop(
    message: Message, command: CommandObject, review: ReviewService, steering: Steering
) -> None:
    """/drop N"""
    usage = _("Usage: /drop N (the number from /list).")
    named = await _numbered(message, review, steering, command.args, 1, usage)
    if named is None:
        return
    ws, (tp,) = named
    await review.drop(ws, tp)
    await message.reply(_("Dropped {n}. {text}").format(n=tp.number, text=escape(tp.text)))


async def merge(
    message: Message, command: CommandObject, review: ReviewService, steering: Steering
) -> None:
    """/merge N M: M folds into N, keeping every contributor."""
    usage = _("Usage: /merge N M (two different numbers from /list).")
    named = await _numbered(message, review, steering, command.args, 2, usage)
    if named is None:
        return
    ws, (keep, gone) = named
    merged = await review.merge(ws, keep, gone)
    await message.reply(views.merged(gone, keep, merged.votes))


async def rename(
    message: Message, command: CommandObject, review: ReviewService, steering: Steering
) -> None:
    """/rename N new text"""
    ws = await _editable(message, review, steering)
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
    tp = await _touchpoint(message, review, ws, numbers[0])
    if tp is None:
        return
    await review.rename(ws, tp, line.text)
    await message.reply(_("Renamed {n}: {text}").format(n=tp.number, text=escape(line.text)))


async def review_button(
    query: CallbackQuery,
    callback_data: ReviewAction,
    review: ReviewService,
    rating: RatingService,
    steering: Steering,
    workshops: Workshops,
) -> None:
    """Shortlist & rate, Edit list, and the shortlist keyboard: facilitator only."""
    chat_id = query.message.chat.id if query.message else None
    ws = await workshops.of_button(callback_data.ws, chat_id)
    if ws is None or ws.phase is not Phase.REVIEW:
        await query.answer(_(EARLIER_STEP), show_alert=True)
        return
    if not await steering.may_steer(ws, query.from_user.id):
        await query.answer(_(NOT_ALLOWED), show_alert=True)
        return
    op = callback_data.op
    if op is ReviewOp.EDIT:
        await query.answer(
            _("Edit with /drop N, /merge N M and /rename N text; /list shows the numbers."),
            show_alert=True,
        )
        return
    if op is ReviewOp.SHORTLIST:
        await query.answer()
        await review.offer_shortlist(ws)
        return
    if op is ReviewOp.RATE:
        problem = await review.picked_count_problem(ws)
        if problem is not None:
            await query.answer(problem, show_alert=True)
            return
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=None)
        await rating.open_round(ws)
        return
    if op is ReviewOp.TOGGLE:
        problem = await review.toggle(ws, callback_data.tp)
        if problem is not None:
            await query.answer(problem, show_alert=True)
            return
    await query.answer()
    if query.message is not None:
        await review.show_shortlist(ws, query.message.message_id, callback_data.page)


async def rate_command(
    message: Message,
    command: CommandObject,
    review: ReviewService,
    rating: RatingService,
    steering: Steering,
    workshops: Workshops,
) -> None:
    """/rate [duration]: open a round (shortlisting first when the list is long)."""
    ws = await workshops.latest(message.chat.id, topic_of(message))
    if ws is None or ws.phase is Phase.BRAINSTORM:
        await message.reply(
            _(
                "Rating comes after the brainstorm. Start one with /brainstorm, or end the "
                "running one with /finish."
            )
        )
        return
    if not await steering.may_steer(ws, sender_id(message)):
        await message.reply(_(NOT_ALLOWED))
        return
    if ws.phase is Phase.RATING:
        await message.reply(_("A rating round is already open; /finish closes it."))
        return
    try:
        length = parse_duration(command.args) if command.args else None
    except DurationError:
        await message.reply(_(UNREADABLE_DURATION))
        return
    if ws.phase is not Phase.RESULTS:
        await review.offer_shortlist(ws, length)
    elif await rating.open_round(ws, length) is None:
        await message.reply(_("There are no shortlisted touchpoints to rate."))


def group_router() -> Router:
    router = Router(name="review")
    router.message.register(show_list, Command("list"))
    router.message.register(drop, Command("drop"))
    router.message.register(merge, Command("merge"))
    router.message.register(rename, Command("rename"))
    router.message.register(rate_command, Command("rate"))
    router.callback_query.register(review_button, ReviewAction.filter())
    return router
