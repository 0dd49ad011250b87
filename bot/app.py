"""The composition root: builds storage, services, scheduler and dispatcher, and runs them.

The only module that imports `handlers`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import signal
from collections.abc import Callable

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import User

from bot import jobs, webhook
from bot.config import Config, Mode
from bot.context import AppContext
from bot.i18n import make_i18n
from bot.middlewares import (
    InFlightMiddleware,
    LocaleMiddleware,
    MovedChatMiddleware,
    TrackMiddleware,
)
from bot.outbound import RateLimiter
from bot.scheduler import JobScheduler
from bot.services.board import Boards
from bot.services.brainstorm import BrainstormService
from bot.services.chats import ChatEvents
from bot.services.customers import CustomerService
from bot.services.export import ExportService
from bot.services.followup import FollowUpService
from bot.services.ideas import IdeaService
from bot.services.menus import set_commands
from bot.services.rating import RatingService
from bot.services.render import Renderer
from bot.services.results import ResultsService
from bot.services.review import ReviewService
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.services.wizard import WizardService
from bot.services.workshops import Workshops
from handlers import make_routers
from storage import Storage

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 10.0
LOOP_LAG_ENV = "TOUCHWHEEL_LOOP_LAG_LOG"
LOOP_LAG_PERIOD = 0.005
CONNECT_FIRST_DELAY = 1.0
CONNECT_MAX_DELAY = 60.0


class TokenRejectedError(Exception):
    """Telegram refused the token (401, or 404 for one it cannot even parse)."""


async def connect(
    bot: Bot, first_delay: float = CONNECT_FIRST_DELAY, max_delay: float = CONNECT_MAX_DELAY
) -> User:
    """getMe until Telegram answers: network trouble and server errors are retried with
    exponential back-off (one log line each, forever, until the operator stops us); a
    rejected token raises TokenRejectedError at once."""
    delay = first_delay
    attempt = 1
    while True:
        try:
            return await bot.get_me()
        except (TelegramUnauthorizedError, TelegramNotFound) as exc:
            raise TokenRejectedError(exc.message) from None
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
            wait = max(delay, float(getattr(exc, "retry_after", 0)))
            log.warning(
                "Telegram is unreachable at start-up (attempt %d: %s); retrying in %.0f s",
                attempt,
                exc.message,
                wait,
            )
            await asyncio.sleep(wait)
            delay = min(delay * 2, max_delay)
            attempt += 1


def watch_loop_lag(path: str) -> Callable[[], None]:
    """Off by default; the benchmark sets TOUCHWHEEL_LOOP_LAG_LOG=path. A callback due every
    5 ms notes how late the event loop ran it; SIGUSR1, and stopping, append the largest
    delay since the last line to `path` (ms) and start over. Returns the stop function."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    timer: asyncio.TimerHandle | None = None

    def tick(due: float) -> None:
        nonlocal worst, timer
        now = loop.time()
        worst = max(worst, now - due)
        timer = loop.call_at(now + LOOP_LAG_PERIOD, tick, now + LOOP_LAG_PERIOD)

    def dump() -> None:
        nonlocal worst
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{worst * 1000:.2f}\n")
        worst = 0.0

    def stop() -> None:
        loop.remove_signal_handler(signal.SIGUSR1)
        if timer is not None:
            timer.cancel()
        dump()

    tick(loop.time())
    loop.add_signal_handler(signal.SIGUSR1, dump)
    return stop


def make_bot(config: Config) -> Bot:
    """A Bot with HTML by default, the configured API server and the rate limiter."""
    api = (
        TelegramAPIServer.from_base(config.telegram.api_server)
        if config.telegram.api_server
        else None
    )
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(RateLimiter(group_window=config.telegram.group_window_seconds))
    return Bot(
        token=config.telegram.token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def make_services(ctx: AppContext) -> jobs.Services:
    """Every service, each handed what it uses (no service knows the dispatcher)."""
    steering = Steering(ctx.bot)
    settings = ChatSettings(ctx.store, ctx.config)
    boards = Boards(ctx, settings)
    renderer = Renderer(ctx.config.render.workers)
    results = ResultsService(ctx, settings, renderer)
    wizard = WizardService(ctx, settings, steering)
    rating = RatingService(ctx, settings, steering, results, wizard)
    review = ReviewService(ctx, boards, rating)
    brainstorm = BrainstormService(ctx, settings, steering, boards, review, rating)
    followup = FollowUpService(ctx, settings, steering, rating, results, renderer)
    return jobs.Services(
        renderer=renderer,
        steering=steering,
        settings=settings,
        boards=boards,
        results=results,
        export=ExportService(ctx, results),
        workshops=Workshops(ctx.store),
        wizard=wizard,
        rating=rating,
        review=review,
        brainstorm=brainstorm,
        ideas=IdeaService(ctx, settings, boards, steering),
        followup=followup,
        chats=ChatEvents(ctx, brainstorm, followup),
        customers=CustomerService(ctx, settings, steering, rating),
    )


def build(ctx: AppContext) -> tuple[Dispatcher, InFlightMiddleware]:
    """A fresh Dispatcher wired to the app context (also used by the tests)."""
    services = make_services(ctx)
    dp = Dispatcher(
        store=ctx.store,
        config=ctx.config,
        **{field.name: getattr(services, field.name) for field in dataclasses.fields(services)},
    )
    in_flight = InFlightMiddleware()
    dp.update.outer_middleware(in_flight)
    moved = MovedChatMiddleware(ctx.store)
    dp.message.outer_middleware(moved)
    dp.callback_query.outer_middleware(moved)
    track = TrackMiddleware(ctx.store)
    dp.message.outer_middleware(track)
    dp.callback_query.outer_middleware(track)
    LocaleMiddleware(ctx, services.settings).setup(dp)
    dp.include_routers(*make_routers())
    jobs.install(ctx.scheduler, dp, services)
    return dp, in_flight


async def run(config: Config) -> None:
    """Start everything, poll until SIGINT/SIGTERM, then stop in order."""
    store = await Storage.open(config.storage.path)
    bot = make_bot(config)
    scheduler = JobScheduler(store.jobs)
    lag_log = os.environ.get(LOOP_LAG_ENV)
    stop_lag = watch_loop_lag(lag_log) if lag_log else None
    try:
        me = await connect(bot)
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
        # What start-up built lives as long as the process: keep it out of every garbage
        # collection, so that a full one walks only what updates made (over the ~240k objects
        # of a loaded bot, one took 165-400 ms, a stall on the event loop).
        gc.collect()
        gc.freeze()

        async def drain() -> None:
            """Let the updates being handled finish (bounded) before stopping."""
            if not await in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
                log.warning("stopping with updates still in flight")

        if config.telegram.mode is Mode.WEBHOOK:
            await webhook.serve(dp, bot, config, drain)
        else:
            await dp.start_polling(bot, handle_signals=True, close_bot_session=False)
            await drain()
    finally:
        await scheduler.shutdown()
        await bot.session.close()
        await store.close()
        if stop_lag is not None:
            stop_lag()
        log.info("stopped")
