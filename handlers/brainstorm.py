"""/brainstorm, /extend, /finish, /cancel and the board's buttons."""

from __future__ import annotations

from datetime import timedelta

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.config import Config
from bot.core.clock import format_left
from bot.core.durations import DurationError, parse_duration, split_duration
from bot.domain import Phase
from handlers.board import EXTEND_BUTTON_MINUTES, cancel_confirm_markup
from handlers.callbacks import BoardAction, BoardOp
from handlers.flow import Flow
from handlers.permissions import sender_id
from handlers.rating import RatingFlow
from storage import Storage
from storage.db import utcnow
from storage.models import Round, Workshop

DEFAULT_EXTENSION = timedelta(minutes=5)


def duration_problem(code: str) -> str:
    if code == "too_short":
        return _("That is too short: the shortest is 10 seconds.")
    if code == "too_long":
        return _("That is too long: the longest is 7 days.")
    return _("I could not read that duration. Try 30, 30m, 90s, 2h or 1d.")


def not_allowed() -> str:
    return _("Only the facilitator or a chat admin can do that.")


async def start_brainstorm(
    message: Message, command: CommandObject, bot: Bot, flow: Flow, store: Storage, config: Config
) -> None:
    """/brainstorm [duration] [topic] in a group."""
    user_id = sender_id(message)
    chat = await store.chats.get(message.chat.id)
    anyone = bool(
        chat.settings.get("anyone_can_start", config.workshop.anyone_can_start)
        if chat
        else config.workshop.anyone_can_start
    )
    if not anyone and not await flow.admins.is_admin(bot, message.chat.id, user_id):
        await message.reply(_("Only chat admins can start a workshop here."))
        return
    try:
        duration, topic = split_duration(command.args)
    except DurationError as exc:
        await message.reply(duration_problem(exc.code))
        return
    active = await store.workshops.active(message.chat.id)
    if active is not None:
        await message.reply(
            _(
                "A workshop is already running here (see the pinned board). Finish it with "
                "/finish or /cancel first."
            ),
            reply_to_message_id=active.board_message_id,
            allow_sending_without_reply=True,
        )
        return
    length = duration or timedelta(minutes=config.workshop.brainstorm_minutes)
    locale = get_i18n().current_locale
    ws = await flow.start_brainstorm(message.chat.id, user_id, locale, length, topic[:200])
    if ws is None:
        await message.reply(_("A workshop is already running here."))


async def _timed_phase(
    message: Message, flow: Flow, rating: RatingFlow, store: Storage
) -> tuple[Workshop, Round | None] | None:
    """The running brainstorm (round None) or rating round, if the sender may steer it."""
    ws = await store.workshops.active(message.chat.id)
    rnd = await rating.open_round_of(ws) if ws and ws.phase is Phase.RATING else None
    if ws is None or (ws.phase is not Phase.BRAINSTORM and rnd is None):
        await message.reply(_("Nothing is running against the clock here right now."))
        return None
    if not await flow.may_steer(ws, sender_id(message)):
        await message.reply(not_allowed())
        return None
    return ws, rnd


async def extend_phase(
    message: Message, command: CommandObject, flow: Flow, rating: RatingFlow, store: Storage
) -> None:
    """/extend [duration]: more time for the running brainstorm or rating round."""
    running = await _timed_phase(message, flow, rating, store)
    if running is None:
        return
    ws, rnd = running
    try:
        extra = parse_duration(command.args) if command.args else DEFAULT_EXTENSION
    except DurationError as exc:
        await message.reply(duration_problem(exc.code))
        return
    if rnd is not None:
        deadline = (await rating.extend(rnd, extra)).deadline
    else:
        extended = await flow.extend(ws, extra)
        assert extended.deadline is not None
        deadline = extended.deadline
    await message.reply(
        _("⏰ Extended: {left} left.").format(left=format_left(deadline - utcnow(), ws.locale))
    )


async def finish_phase(message: Message, flow: Flow, rating: RatingFlow, store: Storage) -> None:
    """/finish: ring the bell on the brainstorm, or close the rating round."""
    running = await _timed_phase(message, flow, rating, store)
    if running is None:
        return
    ws, rnd = running
    if rnd is not None:
        await rating.close(rnd.id)
    else:
        await flow.finish_brainstorm(ws.id)


async def cancel_workshop(message: Message, flow: Flow, store: Storage) -> None:
    """/cancel: ask before abandoning the workshop."""
    ws = await store.workshops.active(message.chat.id)
    if ws is None:
        await message.reply(_("There is no workshop to cancel here."))
        return
    if not await flow.may_steer(ws, sender_id(message)):
        await message.reply(not_allowed())
        return
    await message.reply(
        _("Cancel this workshop? Its touchpoints and ratings will be set aside."),
        reply_markup=cancel_confirm_markup(ws),
    )


async def board_button(
    query: CallbackQuery, callback_data: BoardAction, flow: Flow, store: Storage
) -> None:
    """+5 min, Finish now, Cancel (and its confirmation), for the facilitator only."""
    ws = await store.workshops.get(callback_data.ws)
    chat_id = query.message.chat.id if query.message else None
    if ws is None or ws.chat_id != chat_id or not ws.phase.active:
        await query.answer(_("This button belongs to a workshop that is over."), show_alert=True)
        return
    if not await flow.may_steer(ws, query.from_user.id):
        await query.answer(not_allowed(), show_alert=True)
        return
    op = callback_data.op
    if op in (BoardOp.EXTEND, BoardOp.FINISH) and ws.phase is not Phase.BRAINSTORM:
        await query.answer(_("The brainstorm is already over."), show_alert=True)
        return
    if op is BoardOp.EXTEND:
        ws = await flow.extend(ws, timedelta(minutes=EXTEND_BUTTON_MINUTES))
        await query.answer(_("+{n} min").format(n=EXTEND_BUTTON_MINUTES))
    elif op is BoardOp.FINISH:
        await query.answer()
        await flow.finish_brainstorm(ws.id)
    elif op is BoardOp.CANCEL:
        # The board itself asks for confirmation: no extra message in the group.
        await query.answer(_("Cancel the workshop? Confirm on the board."))
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=cancel_confirm_markup(ws))
    elif op is BoardOp.CANCEL_YES:
        await query.answer()
        cancelled = await flow.cancel(ws)
        on_board = query.message is not None and query.message.message_id == ws.board_message_id
        if cancelled and not on_board and isinstance(query.message, Message):
            await query.message.edit_text(_("✖️ The workshop was cancelled."))
    else:
        await query.answer(_("Carrying on."))
        if query.message is not None and query.message.message_id == ws.board_message_id:
            await flow.boards.flush(ws.id)
        elif isinstance(query.message, Message):
            await query.message.delete()


async def group_only(message: Message) -> None:
    await message.answer(_("This command works in your team's group chat. Add me there first."))


def make_router() -> Router:
    router = Router(name="brainstorm")
    group = F.chat.type.in_({"group", "supergroup"})
    router.message.register(start_brainstorm, Command("brainstorm"), group)
    router.message.register(extend_phase, Command("extend"), group)
    router.message.register(finish_phase, Command("finish"), group)
    router.message.register(cancel_workshop, Command("cancel"), group)
    router.message.register(
        group_only,
        Command(
            "brainstorm",
            "extend",
            "finish",
            "cancel",
            "list",
            "drop",
            "merge",
            "rename",
            "rate",
            "results",
            "plan",
            "assign",
            "due",
            "done",
            "schedule",
            "history",
            "export",
            "settings",
            "customers",
        ),
        F.chat.type == "private",
    )
    router.callback_query.register(board_button, BoardAction.filter())
    return router
