"""Outbound discipline: Telegram's rate limits, kept by one session middleware."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import IntEnum
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter
from cachetools import LRUCache

from bot import metrics

log = logging.getLogger(__name__)

# What Telegram limits: putting messages into chats. Sends and edits count against the
# overall allowance and the chat's own one; everything else (getUpdates, callback answers,
# reactions, getChat*, setMyCommands, pins) never waits behind messages.
_SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "forwardMessage",
        "copyMessage",
        "sendPoll",
    }
)
_EDITING = frozenset(
    {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "editMessageMedia"}
)
COUNTED = _SENDING | _EDITING
MAX_RETRIES = 4
MAX_RETRY_WAIT = 120.0
GROUP_PER_MINUTE = 20
# Of a group's 20 messages a minute, edits (a board's countdown, a round's progress) may
# use all but these: the rest is kept for what people wait for (answers, results).
EDIT_RESERVE = 5
# A private chat may take a short burst (a rater tapping through the wizard) but about one
# message a second over time.
PRIVATE_BURST = 5


class Lane(IntEnum):
    """Which of a group's waiting requests goes first: lower first."""

    REPLY = 0  # an answer to what a person just did
    POST = 1  # what the bot posts on its own: results, reminders, lists
    EDIT = 2  # a refresh of a live message; a newer one replaces it while it waits


_lane: ContextVar[Lane] = ContextVar("outbound_lane", default=Lane.POST)


@contextmanager
def lane(which: Lane) -> Iterator[None]:
    """Messages sent inside the block (and tasks started there) queue in `which` lane."""
    token = _lane.set(which)
    try:
        yield
    finally:
        _lane.reset(token)


class EditSupersededError(TelegramBadRequest):
    """A waiting edit that a newer edit of the same message replaced: the message will
    show the newer text, so for the caller it is as good as "not modified"."""

    def __init__(self, method: TelegramMethod[Any]) -> None:
        super().__init__(method, "Bad Request: message is not modified: a newer edit replaced it")


# aiogram parses every answer with `Response[<the method's return type>]`. Pydantic keeps
# parametrized models only weakly, and such a class is freed by the cyclic collector, so
# without a strong reference each one is rebuilt after every collection: a tenth of the
# CPU of a rating tap went there. The limiter holds each one once it has been used.
_RESPONSE_TYPES: dict[Any, type[Any]] = {}


def keep_response_type(method: TelegramMethod[Any]) -> None:
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]


class GroupWindow:
    """A group's sliding window: at most `limit` messages in any `window` seconds, handed
    out by lane (replies, then posts, then edits, each in arrival order); edits only while
    `reserve` places are left for the others. `clock` tells the time in seconds (the
    loop's own clock unless a test holds it still)."""

    def __init__(
        self,
        limit: int,
        window: float,
        reserve: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._reserve = reserve
        self._stamps: list[float] = []  # when each message of the window went out
        self._queue: list[tuple[int, int, asyncio.Future[int]]] = []
        self._order = itertools.count()
        self._tickets = itertools.count()
        self._in_flight: set[int] = set()  # places handed out, not yet settled
        self._timer: asyncio.TimerHandle | None = None

    def _prune(self, now: float) -> None:
        self._stamps = [t for t in self._stamps if now - t < self._window]

    async def acquire(self, which: Lane) -> int:
        """Wait for a place; the place's ticket, to `settle` once Telegram answered."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._queue, (int(which), next(self._order), future))
        self._pump()
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self.release(future.result())
            raise

    def waiting(self, into: dict[str, int]) -> None:
        """Add the requests waiting here to `into`, by lane name."""
        for which, _order, future in self._queue:
            if not future.done():
                name = Lane(which).name.lower()
                into[name] = into.get(name, 0) + 1

    def settle(self, ticket: int) -> None:
        """The message arrived: its minute counts from now, as Telegram counts it."""
        if ticket in self._in_flight:
            self._in_flight.discard(ticket)
            self._stamps.append(self._clock())
            self._pump()

    def release(self, ticket: int) -> None:
        """The place was not used (the request failed before Telegram took it)."""
        self._in_flight.discard(ticket)
        self._pump()

    def _pump(self) -> None:
        now = self._clock()
        self._prune(now)
        while self._queue:
            which, _order, future = self._queue[0]
            if future.done():
                heapq.heappop(self._queue)
                continue
            used = len(self._stamps) + len(self._in_flight)
            room = self._limit - (self._reserve if which == Lane.EDIT else 0)
            if used >= room:
                break
            heapq.heappop(self._queue)
            ticket = next(self._tickets)
            self._in_flight.add(ticket)
            future.set_result(ticket)
        if self._queue and self._timer is None and self._stamps:
            wait = max(0.0, min(self._stamps) + self._window - now) + 0.01
            self._timer = asyncio.get_running_loop().call_later(wait, self._wake)

    def _wake(self) -> None:
        self._timer = None
        self._pump()


class RateLimiter(BaseRequestMiddleware):
    """Sends and edits: ~30/s overall, 20 in any minute per group, ~1/s per private chat
    (short bursts allowed). In a group, replies to people go first, then the bot's own
    posts, then edits, which keep a few places free for the others and give way to a
    newer edit of the same message. Other requests pass straight through, so
    acknowledgements (callback answers, reactions) and getUpdates never queue behind
    messages. A 429 is waited out and retried (bounded), for every method, so a message the
    user must get waits rather than fails.
    """

    def __init__(
        self,
        overall_per_second: float = 30,
        group_per_minute: int = GROUP_PER_MINUTE,
        private_per_second: float = 1,
        max_chats: int = 10_000,
        group_window: float = 60,
        edit_reserve: int = EDIT_RESERVE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The bot's overall allowance, in lanes too: a burst of private edits (a round's
        # raters tapping through the wizard) does not hold back a group's results.
        self._clock = clock
        self._overall = GroupWindow(max(1, int(overall_per_second)), 1.0, reserve=0, clock=clock)
        self._group_per_minute = group_per_minute
        self._group_window = group_window
        self._edit_reserve = edit_reserve
        self._private_per_second = private_per_second
        # The chats seen last; the least recently used one is forgotten past `max_chats`.
        self._private: LRUCache[int | str, AsyncLimiter] = LRUCache(maxsize=max_chats)
        self._groups: LRUCache[int | str, GroupWindow] = LRUCache(maxsize=max_chats)
        # The newest edit waiting for each message: an older one still waiting gives way.
        self._edits: dict[tuple[int | str, int], asyncio.Future[None]] = {}

    def waiting(self) -> dict[str, int]:
        """Requests waiting for a place (in a group's minute or the overall allowance), by
        lane: what /metrics shows as the queue depth."""
        depths: dict[str, int] = {}
        self._overall.waiting(depths)
        for group in self._groups.values():
            group.waiting(depths)
        return depths

    def _group(self, chat_id: int | str) -> GroupWindow:
        found = self._groups.get(chat_id)
        if found is None:
            found = self._groups[chat_id] = GroupWindow(
                self._group_per_minute, self._group_window, self._edit_reserve, self._clock
            )
        return found

    def _private_limiter(self, chat_id: int | str) -> AsyncLimiter:
        found = self._private.get(chat_id)
        if found is None:
            found = self._private[chat_id] = AsyncLimiter(
                PRIVATE_BURST * self._private_per_second, PRIVATE_BURST
            )
        return found

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        chat_id: Any = getattr(method, "chat_id", None)
        counted = name in COUNTED
        editing = name in _EDITING
        which = Lane.EDIT if editing else _lane.get()
        if not counted or not isinstance(chat_id, int | str):
            return await self._send(make_request, bot, method, which if counted else None)
        if isinstance(chat_id, int) and chat_id > 0:
            await self._private_limiter(chat_id).acquire()
            return await self._send(make_request, bot, method, which)
        key = (chat_id, int(getattr(method, "message_id", None) or 0))
        mine: asyncio.Future[None] | None = None
        if editing:
            older = self._edits.get(key)
            if older is not None and not older.done():
                older.set_result(None)  # it waits no longer: this edit replaces it
            mine = self._edits[key] = asyncio.get_running_loop().create_future()
        group = self._group(chat_id)
        try:
            ticket = await self._wait(group, which, mine)
            if ticket is None:
                raise EditSupersededError(method)
        finally:
            if mine is not None and self._edits.get(key) is mine:
                del self._edits[key]
        try:
            response = await self._send(make_request, bot, method, which)
        except BaseException:
            group.release(ticket)
            raise
        group.settle(ticket)
        return response

    @staticmethod
    async def _wait(
        group: GroupWindow, which: Lane, superseded: asyncio.Future[None] | None
    ) -> int | None:
        """A place in the group's window; None when a newer edit replaced this one first."""
        if superseded is None:
            return await group.acquire(which)
        place = asyncio.ensure_future(group.acquire(which))
        either: set[asyncio.Future[Any]] = {place, superseded}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if place.done():
            return place.result()
        place.cancel()
        try:
            ticket = await place
        except asyncio.CancelledError:
            return None
        group.release(ticket)  # it got its place just as it was replaced
        return None

    async def _send(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        counted: Lane | None,
    ) -> Response[TelegramType]:
        """Send, within the overall allowance when `counted` (in that lane), waiting out
        429s."""
        attempt = 0
        while True:
            ticket = None if counted is None else await self._overall.acquire(counted)
            name = method.__api_method__
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as exc:
                metrics.TELEGRAM_CALLS.labels(name, "429").inc()
                if ticket is not None:
                    self._overall.settle(ticket)  # Telegram saw it: it counts
                attempt += 1
                if attempt > MAX_RETRIES:
                    raise
                wait = min(float(exc.retry_after), MAX_RETRY_WAIT)
                log.warning("%s: 429, retrying in %.0f s", name, wait)
                await asyncio.sleep(wait)
                metrics.TELEGRAM_RETRIES.labels(name).inc()
                continue
            except BaseException as exc:
                if isinstance(exc, Exception):  # not a cancellation: an answer, or none
                    metrics.TELEGRAM_CALLS.labels(name, metrics.telegram_result(exc)).inc()
                if ticket is not None:
                    self._overall.release(ticket)
                raise
            metrics.TELEGRAM_CALLS.labels(name, "ok").inc()
            if ticket is not None:
                self._overall.settle(ticket)
            keep_response_type(method)
            return response
