"""/settings in a group: the chat admins' menu, typed values, and the menu's buttons."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from bot.config import SUPPORTED_LOCALES
from bot.core.preferences import KEYS, Change, SettingError, check
from bot.services.settings import ChatSettings
from bot.services.steering import Steering, sender_id
from bot.services.telegram import edit_text
from bot.views import settings as views
from bot.views.callbacks import SettingsAction


async def _menu(
    settings: ChatSettings, chat_id: int, title: str, key: str = "", note: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """The main menu (or one setting's choices), in the chat's language once it has one."""
    prefs = await settings.of(chat_id)
    chosen = await settings.locale(chat_id)
    with get_i18n().use_locale(chosen or get_i18n().current_locale):
        if key in KEYS:
            return views.choices_text(key, prefs), views.choices_markup(key, prefs)
        return views.menu_text(prefs, title, _(note) if note else ""), views.menu_markup()


def _typed(args: str) -> Change | str:
    """The change `/settings key value` asks for, or the line saying why it cannot be."""
    key, _sep, raw = args.strip().partition(" ")
    try:
        return check(key, raw, SUPPORTED_LOCALES)
    except SettingError as exc:
        return views.problem(exc.code)


async def settings_command(
    message: Message, command: CommandObject, settings: ChatSettings, steering: Steering
) -> None:
    """/settings shows the menu; /settings key value changes one setting, then shows it."""
    chat_id = message.chat.id
    if not await steering.is_admin(chat_id, sender_id(message)):
        await message.reply(_(views.ADMINS_ONLY))
        return
    note = ""
    if command.args:
        change = _typed(command.args)
        if isinstance(change, str):
            await message.reply(change)
            return
        await settings.apply(chat_id, change)
        note = views.SAVED
    text, markup = await _menu(settings, chat_id, message.chat.title or "", note=note)
    await message.answer(text, reply_markup=markup)


async def settings_button(
    query: CallbackQuery,
    callback_data: SettingsAction,
    bot: Bot,
    settings: ChatSettings,
    steering: Steering,
) -> None:
    """A tap in the menu: only chat admins; values are checked like typed ones. In private,
    only the user's own language."""
    message = query.message
    if not isinstance(message, Message):
        await query.answer(_(views.ADMINS_ONLY), show_alert=True)
        return
    if message.chat.type == "private":
        await _own_language(query, message, callback_data, bot, settings)
        return
    chat_id = message.chat.id
    if not await steering.is_admin(chat_id, query.from_user.id):
        await query.answer(_(views.ADMINS_ONLY), show_alert=True)
        return
    key, value, title = callback_data.k, callback_data.v, message.chat.title or ""
    if key == "close":
        await query.answer()
        await edit_text(bot, chat_id, message.message_id, _(views.CLOSED), None)
        return
    note = ""
    if value:
        change = _typed(f"{key} {value}")
        if isinstance(change, str):
            await query.answer(change, show_alert=True)
            return
        await settings.apply(chat_id, change)
        note, key = views.SAVED, "weight" if key == "weight" else ""
    text, markup = await _menu(settings, chat_id, title, key, note)
    await query.answer(_(views.SAVED) if note else None)
    await edit_text(bot, chat_id, message.message_id, text, markup)


async def _own_language(
    query: CallbackQuery, message: Message, data: SettingsAction, bot: Bot, settings: ChatSettings
) -> None:
    if data.k != "lang" or data.v not in SUPPORTED_LOCALES:
        await query.answer(views.problem("lang"), show_alert=True)
        return
    await settings.choose_own_locale(query.from_user.id, data.v)
    with get_i18n().use_locale(data.v):
        await query.answer(_(views.LANGUAGE_SAVED))
        text, markup = views.own_language(data.v)
    await edit_text(bot, message.chat.id, message.message_id, text, markup)


async def settings_private(
    message: Message, command: CommandObject, settings: ChatSettings
) -> None:
    """/settings in private: the user's own language for the bot's private messages;
    /settings lang nl sets it directly."""
    user = message.from_user
    if user is None:
        return
    chosen = get_i18n().current_locale
    if command.args:
        change = _typed(command.args)
        if isinstance(change, str):
            await message.answer(change)
            return
        if change.name != "locale":
            await message.answer(_(views.GROUP_SETTINGS))
            return
        chosen = str(change.value)
        await settings.choose_own_locale(user.id, chosen)
    with get_i18n().use_locale(chosen):
        text, markup = views.own_language(chosen)
        if command.args:
            text = _(views.LANGUAGE_SAVED) + "\n\n" + text
    await message.answer(text, reply_markup=markup)


def private_router() -> Router:
    router = Router(name="settings-private")
    router.message.register(settings_private, Command("settings"))
    return router


def group_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"))
    return router


def buttons_router() -> Router:
    router = Router(name="settings-buttons")
    router.callback_query.register(settings_button, SettingsAction.filter())
    return router
