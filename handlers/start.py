"""/start and /help, and the answer to any button nobody else understood."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.services.wizard import WizardService
from bot.views.common import LINK_INVALID, STALE_BUTTON
from bot.views.start import group_hello, help_text, welcome


async def start_private(message: Message, command: CommandObject, wizard: WizardService) -> None:
    """A private /start: remember that we may write to this user, then explain."""
    rounds = await wizard.welcome(message.from_user) if message.from_user else []
    if command.args:
        await message.answer(_(LINK_INVALID))
        return
    text, markup = welcome(rounds)
    await message.answer(text, reply_markup=markup)


async def start_group(message: Message) -> None:
    """A /start in a group: a short intro."""
    await message.answer(group_hello())


async def show_help(message: Message) -> None:
    await message.answer(help_text())


async def unknown_button(query: CallbackQuery) -> None:
    """Any press no other handler understood: forged, garbled or from an old version."""
    await query.answer(_(STALE_BUTTON), show_alert=True)


def private_router() -> Router:
    router = Router(name="start-private")
    router.message.register(start_private, CommandStart())
    router.message.register(show_help, Command("help"))
    return router


def group_router() -> Router:
    router = Router(name="start")
    router.message.register(start_group, CommandStart())
    router.message.register(show_help, Command("help"))
    return router


def fallback_router() -> Router:
    """Included last: answers every callback nothing else claimed."""
    router = Router(name="stale-buttons")
    router.callback_query.register(unknown_button)
    return router
