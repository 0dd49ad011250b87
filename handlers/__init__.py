"""The Telegram surface: routers per feature, composed under chat-type parents."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.context import AppContext
from handlers import start
from handlers.middlewares import InFlightMiddleware, LocaleMiddleware, TrackMiddleware


def setup_dispatcher(dp: Dispatcher, ctx: AppContext) -> InFlightMiddleware:
    """Install middlewares, routers and job handlers; returns the in-flight counter."""
    in_flight = InFlightMiddleware()
    dp.update.outer_middleware(in_flight)
    track = TrackMiddleware(ctx)
    dp.message.outer_middleware(track)
    dp.callback_query.outer_middleware(track)
    LocaleMiddleware(ctx).setup(dp)
    dp.include_routers(start.make_router())
    return in_flight
