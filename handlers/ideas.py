"""Capturing ideas: /idea and /tp, replies to the board, plain messages, the private box."""

from __future__ import annotations

import logging
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message, ReactionTypeEmoji
from aiogram.utils.i18n import gettext as _

from bot.config import Capture, Config
from bot.core.ideas import (
    MAX_LENGTH,
    MAX_TOUCHPOINTS,
    MIN_LENGTH,
    find_duplicate,
    normalise,
    parse_lines,
)
from bot.core.text import shorten
from bot.domain import Phase
from handlers.flow import IDEA_BOX_PREFIX, Flow
from handlers.permissions import sender_id
from storage import Storage
from storage.models import NewIdea, Workshop

log = logging.getLogger(__name__)

ADDED_REACTION = "✍"
PLUS_ONE_REACTION = "🤝"


async def capture(
    message: Message,
    text: str,
    ws: Workshop,
    flow: Flow,
    *,
    anonymous: bool = False,
    for_next_round: bool = False,
) -> None:
    """Store every line of `text` as a touchpoint of `ws`; react once; explain refusals."""
    lines = parse_lines(text)
    good = [
        NewIdea(line.text, normalise(line.text), line.stage)
        for line in lines
        if line.problem is None
    ]
    problems = [line for line in lines if line.problem is not None]
    outcome = await flow.ctx.store.touchpoints.add_ideas(
        ws.id,
        sender_id(message),
        good,
        find_duplicate,
        limit=MAX_TOUCHPOINTS,
        source=(message.chat.id, message.message_id),
        anonymous=anonymous,
        phases=(Phase.RESULTS,) if for_next_round else (Phase.BRAINSTORM,),
        shortlist_up_to=flow.ctx.config.workshop.max_touchpoints if for_next_round else None,
    )
    if outcome.already_seen:
        return
    if outcome.workshop_closed:
        await message.reply(_("The brainstorm is over, so this was not added."))
        return
    if outcome.added or outcome.plus_ones:
        emoji = ADDED_REACTION if outcome.added else PLUS_ONE_REACTION
        try:
            await flow.ctx.bot.set_message_reaction(
                message.chat.id, message.message_id, [ReactionTypeEmoji(emoji=emoji)]
            )
        except TelegramBadRequest as exc:
            # Reactions may be switched off in this chat; the board shows the idea anyway.
            log.info("no reaction in %s: %s", message.chat.id, exc.message)
        if not for_next_round:
            flow.boards.touch(ws.id)
    notes: list[str] = []
    for line in problems:
        if line.problem == "too_long":
            notes.append(
                _("“{line}” is too long: {max} characters at most per touchpoint.").format(
                    line=escape(shorten(line.text, 40)), max=MAX_LENGTH
                )
            )
        else:
            notes.append(
                _("“{line}” is too short: at least {min} characters.").format(
                    line=escape(line.text), min=MIN_LENGTH
                )
            )
    if outcome.over_limit:
        notes.append(
            _("The list is full ({max} touchpoints), so {n} more were not added.").format(
                max=MAX_TOUCHPOINTS, n=len(outcome.over_limit)
            )
        )
    if notes and (outcome.added or outcome.plus_ones):
        notes.append(_("The other lines are saved."))
    if for_next_round and outcome.added:
        notes.append(_("Added to the list for the next rating round."))
    if notes:
        await message.reply("\n".join(notes))


async def idea_command(
    message: Message, command: CommandObject, flow: Flow, store: Storage
) -> None:
    """/idea text (or /tp): in the group, or in private for the opened idea box."""
    if message.chat.type == "private":
        ws = await idea_box_workshop(message, store)
    else:
        ws = await store.workshops.active(message.chat.id) or await store.workshops.latest(
            message.chat.id
        )
    after_results = ws is not None and ws.phase is Phase.RESULTS and message.chat.type != "private"
    if ws is None or (ws.phase is not Phase.BRAINSTORM and not after_results):
        await message.reply(no_brainstorm_text(ws))
        return
    if not command.args:
        await message.reply(
            _(
                "Write the touchpoints after the command, one per line, e.g.\n"
                "<code>/idea Website chat\nPhone after 18:00 #during</code>"
            )
        )
        return
    await capture(
        message,
        command.args,
        ws,
        flow,
        anonymous=message.chat.type == "private",
        for_next_round=after_results,
    )


def no_brainstorm_text(ws: Workshop | None) -> str:
    if ws is not None and ws.phase.active:
        return _("The brainstorm is over; new touchpoints are closed.")
    return _("No brainstorm is running here. Start one with /brainstorm.")


async def group_text(
    message: Message, bot: Bot, flow: Flow, store: Storage, config: Config
) -> None:
    """A plain group message: an idea when it replies to the bot, or when capture = all."""
    if not message.text or message.text.startswith("/"):
        return
    ws = await store.workshops.active(message.chat.id)
    if ws is None or ws.phase is not Phase.BRAINSTORM:
        return
    reply = message.reply_to_message
    replying_to_bot = (
        reply is not None and reply.from_user is not None and reply.from_user.id == bot.id
    )
    chat = await store.chats.get(message.chat.id)
    mode = (
        str(chat.settings.get("capture", config.workshop.capture))
        if chat
        else config.workshop.capture
    )
    if replying_to_bot or mode == Capture.ALL:
        await capture(message, message.text, ws, flow)


async def idea_box_workshop(message: Message, store: Storage) -> Workshop | None:
    user = message.from_user
    if user is None:
        return None
    workshop_id = await store.users.idea_box(user.id)
    return await store.workshops.get(workshop_id) if workshop_id else None


async def open_idea_box(message: Message, command: CommandObject, store: Storage) -> None:
    """/start i_<token>: this user's private messages now go to that workshop, unsigned."""
    token = (command.args or "").removeprefix(IDEA_BOX_PREFIX)
    ws = await store.workshops.by_idea_token(token)
    user = message.from_user
    if ws is None or user is None:
        await message.answer(
            _("This link is not valid or has expired. Ask in your group for a fresh one.")
        )
        return
    await store.users.seen(
        user.id, user.username, user.full_name, user.language_code, started=True
    )
    if ws.phase is not Phase.BRAINSTORM:
        await message.answer(no_brainstorm_text(ws))
        return
    await store.users.set_idea_box(user.id, ws.id)
    title = escape(ws.topic) if ws.topic else _("the brainstorm")
    await message.answer(
        _(
            "🤫 Your private idea box for {title} is open. Send touchpoints here, one per "
            "line; they appear on the group's board without your name."
        ).format(title=title)
    )


async def private_text(message: Message, flow: Flow, store: Storage) -> None:
    """Plain text in private goes to the idea box the user opened, if it is still open."""
    if not message.text or message.text.startswith("/"):
        return
    ws = await idea_box_workshop(message, store)
    if ws is None:
        await message.answer(
            _(
                "To add touchpoints, open the private idea box from your group's board, or "
                "use /idea in the group. /help explains the rest."
            )
        )
        return
    if ws.phase is not Phase.BRAINSTORM:
        await message.answer(no_brainstorm_text(ws))
        return
    await capture(message, message.text, ws, flow, anonymous=True)


def make_router() -> Router:
    router = Router(name="ideas")
    router.message.register(
        open_idea_box,
        CommandStart(deep_link=True, magic=F.args.startswith(IDEA_BOX_PREFIX)),
        F.chat.type == "private",
    )
    router.message.register(idea_command, Command("idea", "tp"))
    return router


def make_fallback_router() -> Router:
    """Plain text, group or private: included after every other router."""
    router = Router(name="plain-text")
    router.message.register(group_text, F.chat.type.in_({"group", "supergroup"}), F.text)
    router.message.register(private_text, F.chat.type == "private", F.text)
    return router
