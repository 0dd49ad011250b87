"""The private rating wizard and the facilitator's buttons on a round."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain import RoundStatus
from bot.services.rating import EXTEND_TOO_FEW, RATE_PREFIX, RatingService
from bot.services.steering import Steering
from bot.services.telegram import edit_text
from bot.views.callbacks import RateAction, RoundAction, RoundOp
from bot.views.common import EARLIER_STEP, LINK_INVALID, NOT_ALLOWED
from storage import Storage


async def open_wizard(message: Message, command: CommandObject, rating: RatingService) -> None:
    """/start r_<token>: the first unanswered step, for members of the round's group."""
    if message.from_user is None:
        await message.answer(_(LINK_INVALID))
        return
    refusal = await rating.open_wizard(message.from_user, command.args or "")
    if refusal is not None:
        await message.answer(refusal)


async def wizard_button(
    query: CallbackQuery, callback_data: RateAction, bot: Bot, rating: RatingService
) -> None:
    """A tap in the wizard: committed before the message moves on."""
    chat_id = query.message.chat.id if query.message else None
    tap = await rating.tap(query.from_user.id, chat_id, callback_data)
    await query.answer(tap.notice, show_alert=tap.alert)
    if tap.view is not None and isinstance(query.message, Message):
        text, markup = tap.view
        await edit_text(bot, query.from_user.id, query.message.message_id, text, markup)


async def round_button(
    query: CallbackQuery,
    callback_data: RoundAction,
    rating: RatingService,
    steering: Steering,
    store: Storage,
) -> None:
    """The facilitator closes the round now; with too few raters, extends it or shows the
    results anyway."""
    rnd = await store.rounds.get(callback_data.r)
    ws = await store.workshops.get(rnd.workshop_id) if rnd else None
    chat_id = query.message.chat.id if query.message else None
    if rnd is None or ws is None or ws.chat_id != chat_id or rnd.status is not RoundStatus.OPEN:
        await query.answer(_(EARLIER_STEP), show_alert=True)
        return
    if not await steering.may_steer(ws, query.from_user.id):
        await query.answer(_(NOT_ALLOWED), show_alert=True)
        return
    await query.answer()
    if callback_data.op is RoundOp.CLOSE:
        # Closing edits the round message and the offer itself; too few raters get asked.
        await rating.close(rnd.id)
        return
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.op is RoundOp.EXTEND:
        await rating.extend(rnd, EXTEND_TOO_FEW)
    else:
        await rating.close(rnd.id, show_anyway=True)


def private_router() -> Router:
    router = Router(name="rating-private")
    router.message.register(
        open_wizard, CommandStart(deep_link=True, magic=F.args.startswith(RATE_PREFIX))
    )
    return router


def buttons_router() -> Router:
    """Wizard taps come from private chats, round buttons from groups: each checks its
    chat against the round itself, which is stricter than a chat-type filter."""
    router = Router(name="rating-buttons")
    router.callback_query.register(wizard_button, RateAction.filter())
    router.callback_query.register(round_button, RoundAction.filter())
    return router
