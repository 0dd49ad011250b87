"""The composition root: builds Bot, Dispatcher, storage and scheduler, and runs them."""

from __future__ import annotations

import logging

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.config import Config
from bot.context import AppContext
from bot.i18n import make_i18n
from bot.outbound import RateLimiter
from bot.scheduler import JobScheduler
from handlers import setup_dispatcher
from handlers.commands import set_commands
from handlers.middlewares import InFlightMiddleware
from storage import Storage

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0


def make_bot(config: Config) -> Bot:
    """A Bot with HTML by default, the configured API server and the rate limiter."""
    api = (
        TelegramAPIServer.from_base(config.telegram.api_server)
        if config.telegram.api_server
        else None
    )
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(RateLimiter())
    return Bot(
        token=config.telegram.token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build(ctx: AppContext) -> tuple[Dispatcher, InFlightMiddleware]:
    """A fresh Dispatcher wired to the app context (also used by the tests)."""
    dp = Dispatcher(ctx=ctx, store=ctx.store, config=ctx.config)
    in_flight = setup_dispatcher(dp, ctx)
    return dp, in_flight


async def run(config: Config) -> None:
    """Start everything, poll until SIGINT/SIGTERM, then stop in order."""
    store = await Storage.open(config.storage.path)
    bot = make_bot(config)
    scheduler = JobScheduler(store.jobs)
    try:
        me = await bot.get_me()
        ctx = AppContext(
            bot=bot,
            store=store,
            config=config,
            i18n=make_i18n(config.locale.default),
            scheduler=scheduler,
            bot_username=me.username or "",
        )
        dp, in_flight = build(ctx)
        await set_commands(bot, ctx.i18n)
        restored = await scheduler.start()
        log.info("@%s started; %d pending jobs re-armed", me.username, restored)
        await dp.start_polling(bot, handle_signals=True, close_bot_session=False)
        if not await in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("stopping with updates still in flight")
    finally:
        await scheduler.shutdown()
        await bot.session.close()
        await store.close()
        log.info("stopped")
