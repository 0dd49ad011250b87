"""Small wrappers for Telegram calls whose harmless failures have a known meaning."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, Message

from bot.core.text import chunk_lines

log = logging.getLogger(__name__)


async def edit_text(
    bot: Bot,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
) -> bool:
    """Edit a message; an unchanged text is fine, a vanished message is logged."""
    try:
        await bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:
        if "not modified" in exc.message:
            return True
        log.warning("cannot edit %s/%s: %s", chat_id, message_id, exc.message)
        return False
    return True


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """Take a message's buttons away; a message already without them is fine."""
    try:
        await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id)
    except TelegramBadRequest as exc:
        if "not modified" not in exc.message:
            log.warning("cannot drop buttons of %s/%s: %s", chat_id, message_id, exc.message)


async def send_private(
    bot: Bot, user_id: int, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Write to a user in private; None when they never started the bot or blocked it."""
    try:
        return await bot.send_message(user_id, text, reply_markup=markup)
    except TelegramForbiddenError:
        return None


async def send_chunks(
    bot: Bot,
    chat_id: int,
    lines: list[str],
    markup: InlineKeyboardMarkup | None = None,
    thread_id: int | None = None,
) -> Message:
    """Lines as few messages as fit Telegram's limit (in a forum topic, when `thread_id`),
    the buttons under the last one."""
    chunks = chunk_lines(lines)
    for chunk in chunks[:-1]:
        await bot.send_message(chat_id, chunk, message_thread_id=thread_id)
    return await bot.send_message(
        chat_id, chunks[-1], reply_markup=markup, message_thread_id=thread_id
    )
