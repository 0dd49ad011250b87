"""The private rating wizard and the facilitator's buttons on a round."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services.rating import RatingService
from bot.services.telegram import edit_text
from bot.services.wizard import RATE_PREFIX, WizardService
from bot.views.callbacks import RateAction, RoundAction, RoundOp
from bot.views.common import LINK_INVALID


async def open_wizard(message: Message, command: CommandObject, wizard: WizardService) -> None:
    """/start r_<token>: the first unanswered step, for members of the round's group."""
    if message.from_user is None:
        await message.answer(_(LINK_INVALID))
        return
    refusal = await wizard.open_wizard(message.from_user, command.args or "")
    if refusal is not None:
        await message.answer(refusal)


async def wizard_button(
    query: CallbackQuery, callback_data: RateAction, bot: Bot, rating: RatingService
) -> None:
    """A tap in the wizard: committed, answered, then the message moves on (a last answer
    that closes the round leaves the results to a job of their own)."""
    chat_id = query.message.chat.id if query.message else None
    tap = await rating.tap(query.from_user.id, chat_id, callback_data)
    await query.answer(tap.notice, show_alert=tap.alert)
    if tap.view is not None and isinstance(query.message, Message):
        text, markup = tap.view
        await edit_text(bot, query.from_user.id, query.message.message_id, text, markup)


async def round_button(
    query: CallbackQuery, callback_data: RoundAction, rating: RatingService
) -> None:
    """The facilitator closes the round now; with too few raters, extends it or shows the
    results anyway."""
    chat_id = query.message.chat.id if query.message else None
    rnd, refusal = await rating.steerable(callback_data.r, chat_id, query.from_user.id)
    if rnd is None:
        await query.answer(refusal, show_alert=True)
        return
    await query.answer()
    if callback_data.op is not RoundOp.CLOSE and isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    await rating.steer(rnd, callback_data.op)


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
