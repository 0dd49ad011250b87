"""/assign, /due, /done, /schedule and /history."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.core.schedule import DueError, ScheduleError, due_months, parse_due, parse_schedule
from bot.services.followup import FollowUpService
from bot.services.plan_items import is_number, item_numbered, may_edit_or_say
from bot.services.results import ResultsService
from bot.services.steering import topic_of
from bot.services.telegram import send_chunks
from bot.views import followup as views
from bot.views.common import NO_RESULTS, user_label


async def assign(message: Message, command: CommandObject, followup: FollowUpService) -> None:
    """/assign N @user, or /assign N in reply to that user's message."""
    usage = _("Usage: /assign N @user, or reply to their message with /assign N.")
    parts = (command.args or "").split()
    item = await item_numbered(message, followup, parts[0] if parts else None)
    if item is None:
        if not parts or not is_number(parts[0]):
            await message.reply(usage)
        return
    if not await may_edit_or_say(message, followup):
        return
    reply = message.reply_to_message
    owner = None
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        owner = await followup.member_seen(message.chat.id, reply.from_user)
    elif len(parts) > 1 and parts[1].startswith("@"):
        owner = await followup.member_named(message.chat.id, parts[1])
        if owner is None:
            await message.reply(
                _(
                    "I have not seen {user} in this chat yet. Ask them to write here once, or "
                    "reply to one of their messages with /assign {n}."
                ).format(user=escape(parts[1]), n=item.number)
            )
            return
    if owner is None:
        await message.reply(usage)
        return
    await followup.assign(item, owner)
    await message.reply(
        _("👤 Item {n} goes to {user}.").format(n=item.number, user=escape(user_label(owner)))
    )


async def due(message: Message, command: CommandObject, followup: FollowUpService) -> None:
    """/due N <date | 2w | 10d>"""
    parts = (command.args or "").split(maxsplit=1)
    item = await item_numbered(message, followup, parts[0] if parts else None)
    if item is None or len(parts) < 2:
        if item is not None or not parts or not is_number(parts[0]):
            await message.reply(_(views.DUE_USAGE))
        return
    if not await may_edit_or_say(message, followup, item):
        return
    text = parts[1]
    try:
        when = parse_due(text, await followup.today(message.chat.id))
    except DueError as exc:
        await message.reply(views.due_problem(exc.code, text))
        return
    await followup.set_due(message.chat.id, item, when)
    await message.reply(views.due_set(item.number, when, due_months(text)))


async def done(message: Message, command: CommandObject, followup: FollowUpService) -> None:
    """/done N"""
    parts = (command.args or "").split()
    item = await item_numbered(message, followup, parts[0] if parts else None)
    if item is None:
        if not parts or not is_number(parts[0]):
            await message.reply(_("Usage: /done N (the number from /plan)."))
        return
    if not await may_edit_or_say(message, followup, item):
        return
    await followup.done(item)
    await message.reply(_("✅ Item {n} is done. Well done!").format(n=item.number))


async def schedule(
    message: Message,
    command: CommandObject,
    followup: FollowUpService,
) -> None:
    """/schedule every Nd | weekly | monthly | quarterly [HH:MM] | off"""
    chat_id = message.chat.id
    if not command.args:
        saved = await followup.schedule_of(chat_id)
        await message.reply(
            _(views.SCHEDULE_NONE) if saved is None else views.schedule_current(saved.spec)
        )
        return
    if await followup.workshop(chat_id) is None:
        await message.reply(_("Run a workshop first: /brainstorm."))
        return
    if not await may_edit_or_say(message, followup):
        return
    try:
        spec = parse_schedule(command.args)
    except ScheduleError:
        await message.reply(_(views.SCHEDULE_USAGE))
        return
    when = await followup.set_schedule(chat_id, spec)
    if spec is None or when is None:
        await message.reply(_("Scheduled re-evaluation is off."))
    else:
        await message.reply(views.schedule_set(spec, when))


async def history(
    message: Message, bot: Bot, followup: FollowUpService, results: ResultsService
) -> None:
    """/history: each touchpoint's overall score across rounds, and the roundness."""
    if await results.cooling_down(message, "history"):
        return
    trend = await followup.history(message.chat.id)
    if trend is None:
        results.never_mind(message, "history")
        await message.reply(_(NO_RESULTS))
        return
    name, png, caption, table = trend
    await message.answer_photo(BufferedInputFile(png, name), caption=caption)
    # Many spokes over many rounds outgrow one message: split, the table closed and reopened.
    await send_chunks(bot, message.chat.id, [table], thread_id=topic_of(message))


def group_router() -> Router:
    router = Router(name="followup")
    router.message.register(assign, Command("assign"))
    router.message.register(due, Command("due"))
    router.message.register(done, Command("done"))
    router.message.register(schedule, Command("schedule"))
    router.message.register(history, Command("history"))
    return router
