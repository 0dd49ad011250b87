"""The Telegram surface: routers per feature, composed in the order they must match."""

from __future__ import annotations

from aiogram import Dispatcher

from bot.context import AppContext
from handlers import brainstorm, followup, ideas, listing, rating, results, start
from handlers.flow import Flow
from handlers.middlewares import InFlightMiddleware, LocaleMiddleware, TrackMiddleware
from handlers.permissions import AdminCache

BOARD_TICK_SECONDS = 60


def setup_dispatcher(dp: Dispatcher, ctx: AppContext) -> InFlightMiddleware:
    """Install middlewares, services, routers and job handlers; returns the in-flight counter."""
    in_flight = InFlightMiddleware()
    dp.update.outer_middleware(in_flight)
    track = TrackMiddleware(ctx)
    dp.message.outer_middleware(track)
    dp.callback_query.outer_middleware(track)
    LocaleMiddleware(ctx).setup(dp)

    flow = Flow(ctx, AdminCache())
    dp["flow"] = flow
    rating_flow = rating.RatingFlow(flow)
    dp["rating"] = rating_flow
    results_flow = results.ResultsFlow(flow, rating_flow)
    dp["results_flow"] = results_flow
    dp["follow"] = followup.FollowUp(flow, rating_flow, results_flow)
    ctx.scheduler.every(BOARD_TICK_SECONDS, flow.tick, "board-tick")
    dp.shutdown.register(flow.boards.close)
    dp.shutdown.register(rating_flow.progress.close)

    dp.include_routers(
        ideas.make_router(),  # deep links before start: /start i_… opens the idea box
        rating.make_router(),  # /start r_… opens the rating wizard
        brainstorm.make_router(),
        listing.make_router(),
        results.make_router(),
        followup.make_router(),
        start.make_router(),
        ideas.make_fallback_router(),  # plain text last
        start.make_fallback_router(),  # and any button nobody understood
    )
    return in_flight
