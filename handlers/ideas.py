"""Capturing ideas: /idea and /tp, replies to the board, plain messages, the private box."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain import Phase
from bot.services.board import IDEA_BOX_PREFIX
from bot.services.customers import CustomerService
from bot.services.ideas import IdeaService
from bot.services.steering import sender_id, topic_of
from bot.services.throttle import Slowed
from bot.views.common import LINK_INVALID
from bot.views.customers import SURVEY_OFF, between_phases
from bot.views.ideas import (
    BRAINSTORM_OVER,
    IDEA_USAGE,
    NO_IDEA_BOX,
    NOT_IN_GROUP,
    capture_notes,
    no_brainstorm_text,
    slow_down,
)
from storage.models import Workshop


async def _slowed(message: Message, slowed: Slowed | None, *, private: bool = False) -> bool:
    """Whether the throttle refused this message; the sender is told once per burst."""
    if slowed is None:
        return False
    if not slowed.told:
        text = slow_down(slowed.seconds)
        await (message.answer(text) if private else message.reply(text))
    return True


async def _capture(
    message: Message,
    ideas: IdeaService,
    ws: Workshop,
    text: str | None,
    *,
    anonymous: bool = False,
    for_next_round: bool = False,
    customer: bool = False,
) -> None:
    """Store the message's ideas, then explain whatever was not added (or how to write
    them, when there is no text)."""
    if not text:
        await message.reply(_(IDEA_USAGE))
        return
    captured = await ideas.capture(
        ws,
        (message.chat.id, message.message_id),
        sender_id(message),
        text,
        anonymous=anonymous,
        for_next_round=for_next_round,
        customer=customer,
    )
    if captured.outcome.already_seen:
        return
    if captured.outcome.workshop_closed:
        await message.reply(_(BRAINSTORM_OVER))
        return
    notes = capture_notes(
        list(captured.problems),
        captured.outcome,
        for_next_round=for_next_round,
        read=captured.read,
        dropped=captured.dropped,
    )
    if notes:
        await message.reply(notes)


async def idea_in_group(message: Message, command: CommandObject, ideas: IdeaService) -> None:
    """/idea text (or /tp) in the group: during the brainstorm, or after results for the
    next round."""
    if await _slowed(message, await ideas.slowed(sender_id(message))):
        return
    ws, taking = await ideas.command_target(message.chat.id, topic_of(message))
    if ws is None or not taking:
        await message.reply(no_brainstorm_text(ws))
        return
    await _capture(message, ideas, ws, command.args, for_next_round=ws.phase is Phase.RESULTS)


async def _private(
    message: Message, ideas: IdeaService, customers: CustomerService, text: str | None
) -> None:
    """Ideas sent in private: into the idea box the user opened (a member of the group's,
    unsigned) or the workshop whose survey link they followed (a customer's); each
    throttled."""
    user_id = message.from_user.id if message.from_user else 0
    ws = await ideas.idea_box(user_id) if user_id else None
    if ws is None:
        await message.answer(_(NO_IDEA_BOX))
        return
    customer = await customers.state(ws, user_id)
    if customer is False:  # cut off by /customers off
        await message.answer(_(SURVEY_OFF))
        return
    slowed = await (customers.slowed(user_id) if customer else ideas.slowed(user_id))
    if await _slowed(message, slowed, private=True):
        return
    if not customer and not await ideas.is_member(ws.chat_id, user_id):
        await message.answer(_(NOT_IN_GROUP))
        return
    if ws.phase is not Phase.BRAINSTORM:
        await message.answer(between_phases(ws) if customer else no_brainstorm_text(ws))
        return
    await _capture(message, ideas, ws, text, anonymous=True, customer=bool(customer))


async def idea_in_private(
    message: Message, command: CommandObject, ideas: IdeaService, customers: CustomerService
) -> None:
    """/idea text in private."""
    await _private(message, ideas, customers, command.args)


async def group_text(message: Message, bot: Bot, ideas: IdeaService) -> None:
    """A plain group message: an idea when it replies to the bot, or when capture = all."""
    if not message.text or message.text.startswith("/"):
        return
    reply = message.reply_to_message
    replying_to_bot = (
        reply is not None and reply.from_user is not None and reply.from_user.id == bot.id
    )
    ws = await ideas.plain_message_target(
        message.chat.id, topic_of(message), reply.message_id if reply and replying_to_bot else None
    )
    if ws is not None and not await _slowed(message, await ideas.slowed(sender_id(message))):
        await _capture(message, ideas, ws, message.text)


async def open_idea_box(message: Message, command: CommandObject, ideas: IdeaService) -> None:
    """/start i_<token>: this user's private messages now go to that workshop, unsigned."""
    if message.from_user is None:
        await message.answer(_(LINK_INVALID))
        return
    await message.answer(await ideas.open_idea_box(message.from_user, command.args or ""))


async def private_text(message: Message, ideas: IdeaService, customers: CustomerService) -> None:
    """Plain text in private goes to the idea box the user opened, if it is still open."""
    if not message.text or message.text.startswith("/"):
        return
    await _private(message, ideas, customers, message.text)


def group_router() -> Router:
    router = Router(name="ideas")
    router.message.register(idea_in_group, Command("idea", "tp"))
    return router


def private_router() -> Router:
    router = Router(name="ideas-private")
    # Deep links first: /start i_… opens the idea box, not the welcome text.
    router.message.register(
        open_idea_box, CommandStart(deep_link=True, magic=F.args.startswith(IDEA_BOX_PREFIX))
    )
    router.message.register(idea_in_private, Command("idea", "tp"))
    return router


def group_fallback_router() -> Router:
    """Plain group text: included after every other router."""
    router = Router(name="plain-text")
    router.message.register(group_text, F.text)
    return router


def private_fallback_router() -> Router:
    """Plain private text: included after every other router."""
    router = Router(name="plain-text-private")
    router.message.register(private_text, F.text)
    return router
