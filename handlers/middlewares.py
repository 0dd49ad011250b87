"""Outer middlewares: who is speaking, in which language, and what is still running."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18nMiddleware

from bot.context import AppContext
from bot.services.settings import ChatSettings
from storage import Storage


class TrackMiddleware(BaseMiddleware):
    """Remember users and chats the bot sees: @mentions resolve to members seen here."""

    def __init__(self, store: Storage) -> None:
        self._store = store

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        store = self._store
        if chat is not None and chat.type != "private":
            await store.chats.touch(chat.id, chat.title or "", chat.type)
        if user is not None and not user.is_bot:
            await store.users.seen(
                user.id,
                user.username,
                user.full_name,
                user.language_code,
                chat.id if chat is not None and chat.type != "private" else None,
            )
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
        return self._ctx.locale_for(user.language_code if user else None)


class InFlightMiddleware(BaseMiddleware):
    """Counts updates being handled so shutdown can let them finish."""

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
        try:
            return await handler(event, data)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until no update is being handled; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
