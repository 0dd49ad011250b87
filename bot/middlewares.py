"""Outer middlewares: who is speaking, in which language, and what is still running."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware
from cachetools import TTLCache

from bot import metrics
from bot.context import AppContext
from bot.outbound import Lane, lane
from bot.services.settings import ChatSettings
from storage import Storage

log = logging.getLogger("touchwheel.updates")
TRACK_REFRESH_SECONDS = 3600.0


class MovedChatMiddleware(BaseMiddleware):
    """An update from a group Telegram moved to a supergroup changes nothing: its workshop,
    plan and schedule live under the new id now (the move's own service message still
    passes, and finds the move done)."""

    def __init__(self, store: Storage) -> None:
        self._store = store

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type == "group":
            known = await self._store.chats.get(chat.id)
            moved = known is not None and known.migrated_to is not None
            if moved and getattr(event, "migrate_to_chat_id", None) is None:
                log.info("update from moved chat %s dropped", chat.id)
                return UNHANDLED
        return await handler(event, data)


class TrackMiddleware(BaseMiddleware):
    """Remember users and chats the bot sees: @mentions resolve to members seen here.

    What was written is remembered for an hour, so a busy chat costs one write per person
    and hour instead of two per update."""

    def __init__(self, store: Storage, remember: int = 50_000) -> None:
        self._store = store
        self._written: TTLCache[tuple[object, ...], bool] = TTLCache(
            maxsize=remember, ttl=TRACK_REFRESH_SECONDS
        )

    def _fresh(self, key: tuple[object, ...]) -> bool:
        """Whether exactly this was written within the hour."""
        return key in self._written

    def _wrote(self, key: tuple[object, ...]) -> None:
        """Noted only once the write is done: an update that arrives meanwhile writes too and
        queues behind it, so a chat's updates keep their order (ideas get numbers in the
        order they were sent)."""
        self._written[key] = True

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        store = self._store
        group = chat.id if chat is not None and chat.type != "private" else None
        chat_key = ("chat", group, chat.title if chat is not None else None)
        if chat is not None and group is not None and not self._fresh(chat_key):
            await store.chats.touch(group, chat.title or "", chat.type)
            self._wrote(chat_key)
        if user is not None and not user.is_bot:
            key = ("user", user.id, user.username, user.full_name, user.language_code, group)
            if not self._fresh(key):
                await store.users.seen(
                    user.id, user.username, user.full_name, user.language_code, group
                )
                self._wrote(key)
        return await handler(event, data)


class LocaleMiddleware(I18nMiddleware):
    """The user's language in private; in a group, the chat's if one was set."""

    def __init__(self, ctx: AppContext, settings: ChatSettings) -> None:
        super().__init__(ctx.i18n)
        self._ctx = ctx
        self._settings = settings

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        chat: Chat | None = data.get("event_chat")
        if chat is not None and chat.type != "private":
            chosen = await self._settings.locale(chat.id)
            if chosen is not None:
                return chosen
        user: User | None = data.get("event_from_user")
        if user is not None and chat is not None and chat.type == "private":
            chosen = await self._ctx.store.users.chosen_locale(user.id)  # chosen here: wins
            if chosen is not None:
                return self._ctx.locale_for(chosen)
        return self._ctx.locale_for(user.language_code if user else None)


class InFlightMiddleware(BaseMiddleware):
    """Counts updates being handled so shutdown can let them finish, and logs one line per
    update: its kind, the chat's kind, whether a handler took it and how long it took (never
    its text: ideas are business data)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        self._count += 1
        self._idle.clear()
        began = time.perf_counter()
        result: Any = UNHANDLED
        try:
            with lane(Lane.REPLY):  # what a handler sends answers a person: it goes first
                result = await handler(event, data)
            return result
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()
            took = time.perf_counter() - began
            kind = getattr(event, "event_type", type(event).__name__)
            handled = result is not UNHANDLED
            metrics.UPDATES.labels(kind, "true" if handled else "false").inc()
            metrics.UPDATE_SECONDS.labels(kind).observe(took)
            if log.isEnabledFor(logging.INFO):
                chat: Chat | None = data.get("event_chat")
                fields = {
                    "update_kind": kind,
                    "chat_kind": chat.type if chat is not None else "none",
                    "handled": handled,
                    "latency_ms": round(took * 1000, 1),
                }
                log.info(
                    "update %(update_kind)s in %(chat_kind)s: %(latency_ms).1f ms",
                    fields,
                    extra=fields,
                )

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no update is being handled; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
