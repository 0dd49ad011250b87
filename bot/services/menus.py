"""The command menus registered with setMyCommands for each scope and language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)
from aiogram.utils.i18n import I18n

from bot.views.start import GROUP_COMMANDS, MEMBER_COMMANDS, PRIVATE_COMMANDS, command_menu


async def set_commands(bot: Bot, i18n: I18n) -> None:
    """Register the menus in every language: private chats, group members (what anyone may
    do) and group admins (the facilitator's commands too)."""
    for locale in (None, *i18n.available_locales):
        lang = locale or i18n.default_locale
        private = command_menu(i18n, lang, PRIVATE_COMMANDS)
        await bot.set_my_commands(private, BotCommandScopeDefault(), language_code=locale)
        await bot.set_my_commands(private, BotCommandScopeAllPrivateChats(), language_code=locale)
        await bot.set_my_commands(
            command_menu(i18n, lang, MEMBER_COMMANDS),
            BotCommandScopeAllGroupChats(),
            language_code=locale,
        )
        await bot.set_my_commands(
            command_menu(i18n, lang, GROUP_COMMANDS),
            BotCommandScopeAllChatAdministrators(),
            language_code=locale,
        )
