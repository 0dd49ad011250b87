"""The baseline: a bare aiogram bot that acknowledges every message with a reaction and
answers every button, nothing else. Same aiogram, same fake, same updates as Touchwheel."""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji


async def main(api: str, token: str) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    dp = Dispatcher()

    @dp.message()
    async def acknowledge(message: Message) -> None:
        await message.react([ReactionTypeEmoji(emoji="👍")])

    @dp.callback_query()
    async def answer(query: CallbackQuery) -> None:
        await query.answer()

    await dp.start_polling(bot, handle_signals=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
