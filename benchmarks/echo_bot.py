"""The baseline: a bare aiogram bot that acknowledges every message with a reaction and
answers every button, nothing else. Same aiogram, same fake, same updates as Touchwheel."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, Message, ReactionTypeEmoji

LOOP_LAG_ENV = "TOUCHWHEEL_LOOP_LAG_LOG"
LOOP_LAG_PERIOD = 0.005


def watch_loop_lag(path: str) -> None:
    """The same monitor as Touchwheel's (bot/app.py, watch_loop_lag), copied so that the
    baseline imports nothing of the bot: a callback due every 5 ms notes how late it ran;
    SIGUSR1 appends the largest delay since the last line to `path` (ms)."""
    loop = asyncio.get_running_loop()
    worst = 0.0

    def tick(due: float) -> None:
        nonlocal worst
        now = loop.time()
        worst = max(worst, now - due)
        loop.call_at(now + LOOP_LAG_PERIOD, tick, now + LOOP_LAG_PERIOD)

    def dump() -> None:
        nonlocal worst
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{worst * 1000:.2f}\n")
        worst = 0.0

    tick(loop.time())
    loop.add_signal_handler(signal.SIGUSR1, dump)


async def main(api: str, token: str) -> None:
    if lag_log := os.environ.get(LOOP_LAG_ENV):
        watch_loop_lag(lag_log)
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
