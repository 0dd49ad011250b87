"""The metrics module: what the dispatcher, the limiter and the database feed into it, and
what /metrics then shows."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import SendMessage
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from bot import metrics
from bot.app import stored_numbers
from bot.outbound import Lane, RateLimiter, lane
from tests.harness import Harness, group_chat, make_user, private_chat
from tests.test_outbound import FlakySession, make_bot


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_updates_are_counted_by_kind_with_their_latency(harness: Harness) -> None:
    alice = make_user("Alice", "en")
    handled = {"kind": "message", "handled": "true"}
    before = value("touchwheel_updates_total", **handled)
    observed = value("touchwheel_update_seconds_count", kind="message")
    await harness.say(alice, private_chat(alice), "/start")
    await harness.say(alice, private_chat(alice), "/help")
    assert value("touchwheel_updates_total", **handled) == before + 2
    assert value("touchwheel_update_seconds_count", kind="message") == observed + 2


async def test_calls_429s_and_retries_are_counted_by_method() -> None:
    ok = {"method": "sendMessage", "result": "ok"}
    limited = {"method": "sendMessage", "result": "429"}
    before = [value("touchwheel_telegram_calls_total", **ok)]
    before += [value("touchwheel_telegram_calls_total", **limited)]
    before += [value("touchwheel_telegram_retries_total", method="sendMessage")]
    bot = make_bot(FlakySession(failures=1))
    await bot.send_message(-100, "hello")
    after = [
        value("touchwheel_telegram_calls_total", **ok),
        value("touchwheel_telegram_calls_total", **limited),
        value("touchwheel_telegram_retries_total", method="sendMessage"),
    ]
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]


METHOD = SendMessage(chat_id=1, text="x")


@pytest.mark.parametrize(
    ("error", "result"),
    [
        (None, "ok"),
        (TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=3), "429"),
        (TelegramBadRequest(METHOD, "Bad Request: can't parse entities"), "400"),
        (TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"), "403"),
        (TelegramServerError(METHOD, "Internal Server Error"), "5xx"),
        (TelegramNetworkError(METHOD, "Connection refused"), "network"),
        (ValueError("something else"), "error"),
    ],
)
def test_a_calls_result_label(error: BaseException | None, result: str) -> None:
    assert metrics.telegram_result(error) == result


async def test_the_queue_depth_counts_waiting_messages_by_lane() -> None:
    # A group may take two messages a window: the next ones wait, each in its lane.
    session = FlakySession(failures=0)
    limiter = RateLimiter(group_per_minute=2, edit_reserve=0, group_window=60)
    session.middleware(limiter)
    bot = make_bot(session)
    for n in range(2):
        await bot.send_message(-100, f"m{n}")
    assert limiter.waiting() == {}
    with lane(Lane.REPLY):
        reply = asyncio.create_task(bot.send_message(-100, "answer"))
    posts = [asyncio.create_task(bot.send_message(-100, f"post {n}")) for n in range(2)]
    for _ in range(3):
        await asyncio.sleep(0)  # let them reach the limiter and queue
    assert limiter.waiting() == {"reply": 1, "post": 2}
    metrics.watch_queues(limiter.waiting)
    exposition = metrics.exposition().decode()
    assert 'touchwheel_outbound_queue_depth{lane="post"} 2.0' in exposition
    assert 'touchwheel_outbound_queue_depth{lane="edit"} 0.0' in exposition
    for task in (reply, *posts):
        task.cancel()
    await asyncio.gather(reply, *posts, return_exceptions=True)
    assert limiter.waiting() == {}


async def test_metrics_read_running_workshops_and_open_rounds(harness: Harness) -> None:
    app = web.Application()
    metrics.add_routes(app, stored_numbers(harness.ctx.store))
    async with TestClient(TestServer(app)) as client:
        empty = await (await client.get("/metrics")).text()
        assert 'touchwheel_workshops_running{phase="brainstorm"} 0.0' in empty
        alice = make_user("Alice", "en")
        chat = group_chat()
        harness.session.admins[chat.id] = {alice.id}
        await harness.say(alice, chat, "/brainstorm 10m")
        running = await (await client.get("/metrics")).text()
    assert 'touchwheel_workshops_running{phase="brainstorm"} 1.0' in running
    assert 'touchwheel_workshops_running{phase="rating"} 0.0' in running
    assert "touchwheel_rounds_open 0.0" in running
