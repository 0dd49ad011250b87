"""/plan [all], /action N text, and the buttons under the plan's items."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.core.playbook import load_playbook
from bot.core.text import TELEGRAM_TEXT_LIMIT
from bot.services.followup import FollowUpService
from bot.services.plan_items import item_numbered, may_edit_or_say
from bot.services.steering import topic_of
from bot.services.telegram import edit_text, send_chunks
from bot.views import plan as views
from bot.views.callbacks import PlanAction, PlanOp
from bot.views.common import EARLIER_STEP, NOT_ALLOWED

MAX_ACTION = 500


async def show_plan(message: Message, command: CommandObject, followup: FollowUpService) -> None:
    """/plan: the short plan; /plan all: every spoke."""
    every = (command.args or "").strip().casefold() in {"all", "все", "всё", "alle"}
    lines, keyboard = await followup.plan_view(message.chat.id, every=every)
    await send_chunks(
        message.bot or followup.ctx.bot, message.chat.id, lines, keyboard, topic_of(message)
    )


async def own_action(message: Message, command: CommandObject, followup: FollowUpService) -> None:
    """/action N text: the team's own action for item N, kept for the next round."""
    number, _sep, text = (command.args or "").strip().partition(" ")
    item = await item_numbered(message, followup, number or None)
    if item is None:
        if not text.strip():
            await message.reply(_(views.ACTION_USAGE))
        return
    text = " ".join(text.split())
    if not text:
        await message.reply(_(views.ACTION_USAGE))
        return
    if len(text) > MAX_ACTION:
        await message.reply(
            _("That action is {length} characters long; please keep it under {limit}.").format(
                length=len(text), limit=MAX_ACTION
            )
        )
        return
    if not await may_edit_or_say(message, followup, item):
        return
    await followup.own_action(item, text)
    await message.reply(views.action_set(item.number))


async def plan_button(
    query: CallbackQuery, callback_data: PlanAction, bot: Bot, followup: FollowUpService
) -> None:
    """Another suggestion, the channel picker, a channel set, or back to the plan."""
    message = query.message if isinstance(query.message, Message) else None
    item = await followup.plan_item(message.chat.id, callback_data.item) if message else None
    if message is None or item is None:
        await query.answer(_(EARLIER_STEP), show_alert=True)
        return
    if not await followup.may_edit(message.chat.id, query.from_user.id):
        await query.answer(_(NOT_ALLOWED), show_alert=True)
        return
    every = bool(callback_data.all)
    playbook = load_playbook()
    if callback_data.op is PlanOp.PICK:
        ws = await followup.workshop(message.chat.id)
        locale = ws.locale if ws else "en"
        await query.answer()
        await message.edit_reply_markup(
            reply_markup=views.channel_keyboard(item, playbook, locale, every=every)
        )
        return
    notice = None
    if callback_data.op is PlanOp.NEXT:
        await followup.next_suggestion(item)
    elif callback_data.op is PlanOp.SET:
        if not 0 <= callback_data.ch < len(playbook.channels):
            await query.answer(_(EARLIER_STEP), show_alert=True)
            return
        channel = playbook.channels[callback_data.ch]
        await followup.set_channel(message.chat.id, item, channel.name)
        ws = await followup.workshop(message.chat.id)
        notice = views.channel_set(item.number, channel.label(ws.locale if ws else "en"))
    await query.answer(notice)
    lines, keyboard = await followup.plan_view(message.chat.id, every=every)
    text = "\n".join(lines)
    if len(text) <= TELEGRAM_TEXT_LIMIT:
        await edit_text(bot, message.chat.id, message.message_id, text, keyboard)
    else:
        await send_chunks(bot, message.chat.id, lines, keyboard, topic_of(message))


def group_router() -> Router:
    router = Router(name="plan")
    router.message.register(show_plan, Command("plan"))
    router.message.register(own_action, Command("action"))
    return router


def buttons_router() -> Router:
    """Plan buttons come from groups; each checks the item against the chat's plan."""
    router = Router(name="plan-buttons")
    router.callback_query.register(plan_button, PlanAction.filter())
    return router
