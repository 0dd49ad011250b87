"""The command menus registered with setMyCommands for each scope and language."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)

from bot.i18n import N_, CatalogueI18n

_PRIVATE = (
    ("start", N_("What this bot is and your open rating rounds")),
    ("help", N_("How a workshop goes, and the commands")),
)
_GROUP = (
    ("brainstorm", N_("Start a workshop: /brainstorm [duration] [topic]")),
    ("idea", N_("Add touchpoints, one per line")),
    ("finish", N_("End the current phase now")),
    ("extend", N_("Add time to the current phase")),
    ("list", N_("Show the touchpoints")),
    ("rate", N_("Open a rating round")),
    ("results", N_("Post the latest results again")),
    ("plan", N_("Show the action plan")),
    ("history", N_("The trend across rounds")),
    ("export", N_("CSV, report and picture")),
    ("schedule", N_("Set the re-evaluation schedule")),
    ("cancel", N_("Abandon the workshop")),
    ("help", N_("How a workshop goes, and the commands")),
)


def _translated(
    i18n: CatalogueI18n, locale: str, pairs: tuple[tuple[str, str], ...]
) -> list[BotCommand]:
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for name, text in pairs
    ]


async def set_commands(bot: Bot, i18n: CatalogueI18n) -> None:
    """Register the menus for the default, private and group scopes in every language."""
    for locale in (None, *i18n.available_locales):
        lang = locale or i18n.default_locale
        await bot.set_my_commands(
            _translated(i18n, lang, _PRIVATE), BotCommandScopeDefault(), language_code=locale
        )
        await bot.set_my_commands(
            _translated(i18n, lang, _PRIVATE),
            BotCommandScopeAllPrivateChats(),
            language_code=locale,
        )
        await bot.set_my_commands(
            _translated(i18n, lang, _GROUP), BotCommandScopeAllGroupChats(), language_code=locale
        )
