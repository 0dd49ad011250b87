"""Webhook mode: aiogram's aiohttp integration behind a reverse proxy.

Telegram posts updates to `webhook.url`; the proxy forwards them to `webhook.host:port`
`webhook.path`. Every post must carry the secret token (X-Telegram-Bot-Api-Secret-Token);
without a configured one, a fresh random token is set at each start. `/healthz` answers
200 for the proxy's and the orchestrator's checks, `/metrics` gives the Prometheus metrics.
Stopping leaves the webhook in place, so Telegram keeps the updates for the next start.
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot import metrics
from bot.config import Config

log = logging.getLogger(__name__)


def secret_for(config: Config) -> str:
    configured = config.webhook.secret_token.get_secret_value()
    return configured or secrets.token_urlsafe(32)


def make_app(
    dp: Dispatcher, bot: Bot, secret: str, path: str, refresh: metrics.Refresh
) -> web.Application:
    app = web.Application()
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)
    metrics.add_health(app)
    metrics.add_routes(app, refresh)
    return app


async def serve(
    dp: Dispatcher, bot: Bot, config: Config, stop: asyncio.Event, refresh: metrics.Refresh
) -> None:
    """Listen, point Telegram at us, and serve until `stop` (SIGINT/SIGTERM); the shutdown
    hooks then let the updates being handled finish first."""
    secret = secret_for(config)
    app = make_app(dp, bot, secret, config.webhook.path, refresh)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, config.webhook.host, config.webhook.port)
    await site.start()
    await dp.emit_startup(bot=bot, **dp.workflow_data)
    try:
        await bot.set_webhook(
            url=config.webhook.url,
            secret_token=secret,
            allowed_updates=dp.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info(
            "webhook set to %s; listening on %s:%d%s",
            config.webhook.url,
            config.webhook.host,
            config.webhook.port,
            config.webhook.path,
        )
        await stop.wait()
    finally:
        # No new posts; the webhook itself stays so Telegram queues updates until we return.
        await site.stop()
        await dp.emit_shutdown(bot=bot, **dp.workflow_data)
        await runner.cleanup()
