"""What an operator watches, in Prometheus' format (prometheus_client): `/metrics` beside
`/healthz` on the webhook server, or on `metrics.port` in polling mode.

The counters are module-level, counted where things happen (the update middleware, the
outbound limiter, the render pool); what is read at scrape time (the limiter's queues, the
workshops and rounds in the database) is handed in by the composition root, so this module
imports nothing of the project.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
# No *_created series beside every counter: noise to a scraper.
disable_created_metrics()  # type: ignore[no-untyped-call]

UPDATES = Counter(
    "touchwheel_updates",
    "Updates handled, by kind (message, callback_query, ...) and whether a handler took them",
    ["kind", "handled"],
)
UPDATE_SECONDS = Histogram(
    "touchwheel_update_seconds",
    "Time from an update's arrival in the dispatcher to its handler's return",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TELEGRAM_CALLS = Counter(
    "touchwheel_telegram_calls",
    "Bot API requests sent (each attempt), by method and result: ok, 429, another HTTP "
    "status Telegram answered with, network or error",
    ["method", "result"],
)
TELEGRAM_RETRIES = Counter(
    "touchwheel_telegram_retries",
    "Requests sent again after a 429 was waited out, by method",
    ["method"],
)
RENDER_RESTARTS = Counter(
    "touchwheel_render_worker_restarts",
    "Times the render worker died and a new one was started",
)
LANES = ("reply", "post", "edit")


@dataclass(frozen=True, slots=True)
class Stored:
    """What the database holds, read before each scrape."""

    workshops: Mapping[str, int] = field(default_factory=dict)  # running ones, by phase
    rounds_open: int = 0


# Read at scrape time; handed in by the composition root (bot/app.py).
QueueDepths = Callable[[], Mapping[str, int]]
Refresh = Callable[[], Awaitable[Stored]]


class _Live(Collector):
    """Gauges read when scraped: the limiter's waiting requests per lane, and what the
    database holds (running workshops by phase, open rating rounds)."""

    def __init__(self) -> None:
        self.queues: QueueDepths | None = None
        self.stored = Stored()

    def collect(self) -> Iterable[Metric]:
        queue = GaugeMetricFamily(
            "touchwheel_outbound_queue_depth",
            "Messages waiting in the rate limiter for a place in a chat's minute or the "
            "overall allowance, by lane (reply, post, edit)",
            labels=["lane"],
        )
        depths = self.queues() if self.queues is not None else {}
        for name in LANES:
            queue.add_metric([name], depths.get(name, 0))
        yield queue
        workshops = GaugeMetricFamily(
            "touchwheel_workshops_running",
            "Workshops not finished yet, by phase (brainstorm, review, rating)",
            labels=["phase"],
        )
        for phase, count in sorted(self.stored.workshops.items()):
            workshops.add_metric([phase], count)
        yield workshops
        yield GaugeMetricFamily(
            "touchwheel_rounds_open", "Rating rounds open", value=self.stored.rounds_open
        )


_live = _Live()
REGISTRY.register(_live)


def watch_queues(depths: QueueDepths) -> None:
    """Read the limiter's queues at every scrape."""
    _live.queues = depths


def telegram_result(exc: BaseException | None) -> str:
    """The `result` label of a Bot API call: ok, the HTTP status Telegram answered with,
    network (no answer) or error."""
    if exc is None:
        return "ok"
    status = {
        "TelegramRetryAfter": "429",
        "TelegramBadRequest": "400",
        "TelegramUnauthorizedError": "401",
        "TelegramForbiddenError": "403",
        "TelegramNotFound": "404",
        "TelegramConflictError": "409",
        "TelegramEntityTooLarge": "413",
        "TelegramServerError": "5xx",
        "TelegramNetworkError": "network",
    }
    for kind in type(exc).__mro__:
        if kind.__name__ in status:
            return status[kind.__name__]
    return "error"


def exposition() -> bytes:
    return generate_latest(REGISTRY)


def add_routes(app: web.Application, refresh: Refresh) -> None:
    """`GET /metrics` on `app`; `refresh` reads the database's numbers before each scrape."""

    async def metrics(request: web.Request) -> web.Response:
        try:
            _live.stored = await refresh()
        except Exception:  # the counters are still worth a scrape
            log.exception("reading the database for /metrics failed")
        return web.Response(body=exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/metrics", metrics)


def add_health(app: web.Application) -> None:
    """`GET /healthz`: 200 while the process serves."""

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)


async def serve(host: str, port: int, refresh: Refresh) -> web.AppRunner:
    """Polling mode's own small server: /metrics and /healthz on host:port."""
    app = web.Application()
    add_health(app)
    add_routes(app, refresh)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("metrics on http://%s:%d/metrics", host, port)
    return runner
