"""Outbound discipline: Telegram's rate limits, kept by one session middleware."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiolimiter import AsyncLimiter

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
# A private chat may take a short burst (a rater tapping through the wizard) but about one
# message a second over time.
PRIVATE_BURST = 5
# An edit (a board, a progress line) gives way to messages waiting for the same chat: it
# looks for spare capacity this often instead of queueing in front of them.
EDIT_POLL_SECONDS = 0.25


# aiogram parses every answer with `Response[<the method's return type>]`. Pydantic keeps
# parametrized models only weakly, and such a class is freed by the cyclic collector, so
# without a strong reference each one is rebuilt after every collection: a tenth of the
# CPU of a rating tap went there. The limiter holds each one once it has been used.
_RESPONSE_TYPES: dict[Any, type[Any]] = {}


def keep_response_type(method: TelegramMethod[Any]) -> None:
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]


class RateLimiter(BaseRequestMiddleware):
    """Sends and edits: ~30/s overall, 20/min per group, ~1/s per private chat (short bursts
    allowed); within a chat, messages go before edits. Other requests pass straight through,
    so acknowledgements (callback answers, reactions) and getUpdates never queue behind
    messages.

    A leaky bucket holding half of a group's per-minute allowance never lets more than 20
    through in any sliding minute. A 429 is waited out and retried (bounded), for every
    method, so a message the user must get waits rather than fails.
    """

    def __init__(
        self,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        private_per_second: float = 1,
        max_chats: int = 10_000,
        group_window: float = 60,
    ) -> None:
        self._overall = AsyncLimiter(overall_per_second, 1)
        self._group_per_minute = group_per_minute
        self._group_window = group_window
        self._private_per_second = private_per_second
        self._chats: OrderedDict[int | str, AsyncLimiter] = OrderedDict()
        self._max_chats = max_chats

    def _chat_limiter(self, chat_id: int | str) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            is_private = isinstance(chat_id, int) and chat_id > 0
            if is_private:
                limiter = AsyncLimiter(PRIVATE_BURST * self._private_per_second, PRIVATE_BURST)
            else:
                limiter = AsyncLimiter(self._group_per_minute / 2, self._group_window)
            self._chats[chat_id] = limiter
            if len(self._chats) > self._max_chats:
                self._chats.popitem(last=False)
        else:
            self._chats.move_to_end(chat_id)
        return limiter

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        chat_id: Any = getattr(method, "chat_id", None)
        counted = method.__api_method__ in COUNTED
        per_chat = counted and isinstance(chat_id, int | str)
        attempt = 0
        while True:
            if per_chat:
                limiter = self._chat_limiter(chat_id)
                if method.__api_method__ in _EDITING:
                    while not limiter.has_capacity():  # noqa: ASYNC110 - no event to wait on
                        await asyncio.sleep(EDIT_POLL_SECONDS)
                await limiter.acquire()
            if counted:
                await self._overall.acquire()
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as exc:
                attempt += 1
                if attempt > MAX_RETRIES:
                    raise
                wait = min(float(exc.retry_after), MAX_RETRY_WAIT)
                log.warning("%s: 429, retrying in %.0f s", method.__api_method__, wait)
                await asyncio.sleep(wait)
                continue
            keep_response_type(method)
            return response
