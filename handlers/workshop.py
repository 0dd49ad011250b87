"""/brainstorm, /extend, /finish, /cancel and the board's buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.config import Config
from bot.core.clock import format_left
from bot.core.durations import DurationError, parse_duration, split_duration
from bot.domain import Phase
from bot.services.brainstorm import BrainstormService
from bot.services.settings import ChatSettings
from bot.services.steering import Steering, sender_id, topic_of
from bot.services.workshops import Workshops
from bot.views.brainstorm import EXTEND_BUTTON_MINUTES, cancel_confirm_markup, extended_button
from bot.views.callbacks import BoardAction, BoardOp
from bot.views.common import GROUP_ONLY, NOT_ALLOWED, duration_problem
from storage.models import Round, Workshop

DEFAULT_EXTENSION = timedelta(minutes=5)
# Commands that make sense only in a group: in private they get a pointer there.
GROUP_ONLY_COMMANDS = (
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
    "customers",
)


async def start_brainstorm(
    message: Message,
    command: CommandObject,
    brainstorm: BrainstormService,
    steering: Steering,
    settings: ChatSettings,
    workshops: Workshops,
    config: Config,
) -> None:
    """/brainstorm [duration] [topic] in a group."""
    chat_id, user_id = message.chat.id, sender_id(message)
    if not await settings.anyone_can_start(chat_id) and not await steering.is_admin(
        chat_id, user_id
    ):
        await message.reply(_("Only chat admins can start a workshop here."))
        return
    try:
        duration, topic = split_duration(command.args)
    except DurationError as exc:
        await message.reply(duration_problem(exc.code))
        return
    thread = topic_of(message)
    active = await workshops.active(chat_id, thread)
    if active is not None and await brainstorm.repost_board(active):
        return  # its board had not gone out: now it has
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
    length = duration or timedelta(minutes=(await settings.of(chat_id)).brainstorm_minutes)
    locale = get_i18n().current_locale
    if await brainstorm.start(chat_id, user_id, locale, length, topic[:200], thread) is None:
        await message.reply(_("A workshop is already running here."))


async def _timed_phase(
    message: Message, brainstorm: BrainstormService, steering: Steering
) -> tuple[Workshop, Round | None] | None:
    """The running brainstorm (round None) or rating round, if the sender may steer it."""
    running = await brainstorm.timed_phase(message.chat.id, topic_of(message))
    if running is None:
        await message.reply(_("Nothing is running against the clock here right now."))
        return None
    if not await steering.may_steer(running[0], sender_id(message)):
        await message.reply(_(NOT_ALLOWED))
        return None
    return running


async def extend_phase(
    message: Message, command: CommandObject, brainstorm: BrainstormService, steering: Steering
) -> None:
    """/extend [duration]: more time for the running brainstorm or rating round."""
    running = await _timed_phase(message, brainstorm, steering)
    if running is None:
        return
    ws, rnd = running
    try:
        extra = parse_duration(command.args) if command.args else DEFAULT_EXTENSION
    except DurationError as exc:
        await message.reply(duration_problem(exc.code))
        return
    deadline = await brainstorm.extend_phase(ws, rnd, extra)
    await message.reply(
        _("⏰ Extended: {left} left.").format(
            left=format_left(deadline - datetime.now(UTC), ws.locale)
        )
    )


async def finish_phase(
    message: Message, brainstorm: BrainstormService, steering: Steering
) -> None:
    """/finish: ring the bell on the brainstorm, or close the rating round."""
    running = await _timed_phase(message, brainstorm, steering)
    if running is not None:
        await brainstorm.finish_phase(*running)


async def cancel_workshop(message: Message, steering: Steering, workshops: Workshops) -> None:
    """/cancel: ask before abandoning the workshop."""
    ws = await workshops.active(message.chat.id, topic_of(message))
    if ws is None:
        await message.reply(_("There is no workshop to cancel here."))
        return
    if not await steering.may_steer(ws, sender_id(message)):
        await message.reply(_(NOT_ALLOWED))
        return
    await message.reply(
        _("Cancel this workshop? Its touchpoints and ratings will be set aside."),
        reply_markup=cancel_confirm_markup(ws),
    )


async def board_button(
    query: CallbackQuery,
    callback_data: BoardAction,
    brainstorm: BrainstormService,
    steering: Steering,
    workshops: Workshops,
) -> None:
    """+5 min, Finish now, Cancel (and its confirmation), for the facilitator only."""
    chat_id = query.message.chat.id if query.message else None
    ws = await workshops.of_button(callback_data.ws, chat_id)
    if ws is None or not ws.phase.active:
        await query.answer(_("This button belongs to a workshop that is over."), show_alert=True)
        return
    if not await steering.may_steer(ws, query.from_user.id):
        await query.answer(_(NOT_ALLOWED), show_alert=True)
        return
    op = callback_data.op
    if op in (BoardOp.EXTEND, BoardOp.FINISH) and ws.phase is not Phase.BRAINSTORM:
        await query.answer(_("The brainstorm is already over."), show_alert=True)
        return
    on_board = query.message is not None and query.message.message_id == ws.board_message_id
    if op is BoardOp.EXTEND:
        await query.answer(extended_button())
        await brainstorm.extend(ws, timedelta(minutes=EXTEND_BUTTON_MINUTES))
    elif op is BoardOp.FINISH:
        await query.answer()
        await brainstorm.finish(ws.id)
    elif op is BoardOp.CANCEL:
        # The board itself asks for confirmation: no extra message in the group.
        await query.answer(_("Cancel the workshop? Confirm on the board."))
        if isinstance(query.message, Message):
            await query.message.edit_reply_markup(reply_markup=cancel_confirm_markup(ws))
    elif op is BoardOp.CANCEL_YES:
        await query.answer()
        cancelled = await brainstorm.cancel(ws)
        if cancelled and not on_board and isinstance(query.message, Message):
            await query.message.edit_text(_("✖️ The workshop was cancelled."))
    else:
        await query.answer(_("Carrying on."))
        if on_board:
            await brainstorm.boards.flush(ws.id)
        elif isinstance(query.message, Message):
            await query.message.delete()


async def only_in_groups(message: Message) -> None:
    await message.answer(_(GROUP_ONLY))


def group_router() -> Router:
    router = Router(name="workshop")
    router.message.register(start_brainstorm, Command("brainstorm"))
    router.message.register(extend_phase, Command("extend"))
    router.message.register(finish_phase, Command("finish"))
    router.message.register(cancel_workshop, Command("cancel"))
    router.callback_query.register(board_button, BoardAction.filter())
    return router


def private_router() -> Router:
    router = Router(name="workshop-private")
    router.message.register(only_in_groups, Command(*GROUP_ONLY_COMMANDS))
    return router
