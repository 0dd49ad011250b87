"""The composition root: builds storage, services, scheduler and dispatcher, and runs them.

The only module that imports `handlers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

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

from bot import jobs, metrics, webhook
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
CHECK_TIMEOUT = 20
T = TypeVar("T")


class TokenRejectedError(Exception):
    """Telegram refused the token (401, or 404 for one it cannot even parse)."""


class TelegramUnreachableError(Exception):
    """No answer from Telegram (network trouble, a 5xx) where the caller will not wait."""


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
    limiter = RateLimiter(group_window=config.telegram.group_window_seconds)
    session.middleware(limiter)
    metrics.watch_queues(limiter.waiting)
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

    async def drain() -> None:
        """Let the updates being handled finish (bounded) before the other shutdown hooks."""
        if not await in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
            log.warning("stopping with updates still in flight")

    dp.shutdown.register(drain)
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


async def who_am_i(config: Config) -> User:
    """getMe once (`python -m bot check`): TokenRejectedError or TelegramUnreachableError."""
    bot = make_bot(config)
    try:
        return await bot.get_me(request_timeout=CHECK_TIMEOUT)
    except (TelegramUnauthorizedError, TelegramNotFound) as exc:
        raise TokenRejectedError(exc.message) from None
    except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter) as exc:
        raise TelegramUnreachableError(exc.message) from None
    finally:
        await bot.session.close()


def stored_numbers(store: Storage) -> metrics.Refresh:
    """What /metrics reads from the database at each scrape."""

    async def read() -> metrics.Stored:
        return metrics.Stored(
            workshops=await store.workshops.running_by_phase(),
            rounds_open=await store.rounds.count_open(),
        )

    return read


async def unless_stopped(step: Awaitable[T], stop: asyncio.Event) -> T | None:
    """`step`, or None (and `step` cancelled) if `stop` is set first."""
    task = asyncio.ensure_future(step)
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


async def poll(dp: Dispatcher, bot: Bot, stop: asyncio.Event) -> None:
    """Long polling until `stop`; the shutdown hooks run as it ends."""
    began = asyncio.Event()

    async def polling_began() -> None:
        began.set()

    dp.startup.register(polling_began)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False)
    )
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not polling.done():
        # aiogram can be told to stop only once it has begun (it is quick to).
        beginning = asyncio.create_task(began.wait())
        await asyncio.wait({polling, beginning}, return_when=asyncio.FIRST_COMPLETED)
        beginning.cancel()
        if not polling.done():
            await dp.stop_polling()
    await polling


async def run(config: Config, stopping: Callable[[], int | None] = lambda: None) -> None:
    """Start everything, serve until SIGINT/SIGTERM (at any moment, from start-up on: a
    signal before the loop took them over is `stopping()`), then stop in order: the
    updates being handled finish (bounded), the shutdown hooks run, and the "stopped" line
    is logged."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(sig: signal.Signals) -> None:
        if not stop.is_set():
            log.info("%s received; stopping", sig.name)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal, sig)
    if (early := stopping()) is not None:
        on_signal(signal.Signals(early))
    try:
        if not stop.is_set():
            await serve(config, stop)
    finally:
        log.info("stopped")


async def serve(config: Config, stop: asyncio.Event) -> None:
    """Open the database (its migrations run to the end), connect, and serve until `stop`."""
    store = await Storage.open(config.storage.path)
    bot = make_bot(config)
    scheduler = JobScheduler(store.jobs)
    lag_log = os.environ.get(LOOP_LAG_ENV)
    stop_lag = watch_loop_lag(lag_log) if lag_log else None
    exporter = None
    try:
        dp = await unless_stopped(start(config, store, bot, scheduler), stop)
        if dp is None:
            return
        refresh = stored_numbers(store)
        if config.telegram.mode is Mode.WEBHOOK:
            await webhook.serve(dp, bot, config, stop, refresh)
        else:
            if config.metrics.port:
                exporter = await metrics.serve(config.metrics.host, config.metrics.port, refresh)
            await poll(dp, bot, stop)
    finally:
        if exporter is not None:
            await exporter.cleanup()
        await scheduler.shutdown()
        await bot.session.close()
        await store.close()
        if stop_lag is not None:
            stop_lag()


async def start(config: Config, store: Storage, bot: Bot, scheduler: JobScheduler) -> Dispatcher:
    """Everything before serving: getMe (retried until Telegram answers), the dispatcher,
    the command menus and the stored timers. Cancelled as a whole by a stop signal."""
    me = await connect(bot)
    ctx = AppContext(
        bot=bot,
        store=store,
        config=config,
        i18n=make_i18n(config.locale.default),
        scheduler=scheduler,
        bot_username=me.username or "",
    )
    dp, _in_flight = build(ctx)
    await set_commands(bot, ctx.i18n)
    restored = await scheduler.start()
    log.info("@%s started; %d pending jobs re-armed", me.username, restored)
    # What start-up built lives as long as the process: keep it out of every garbage
    # collection, so that a full one walks only what updates made (over the ~240k objects
    # of a loaded bot, one took 165-400 ms, a stall on the event loop).
    gc.collect()
    gc.freeze()
    return dp
