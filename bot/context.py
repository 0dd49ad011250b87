"""The app-lifetime objects, handed to handlers and scheduled jobs alike."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot

from bot.config import Config
from bot.i18n import CatalogueI18n, pick_locale
from bot.scheduler import JobScheduler
from storage import Storage


@dataclass(eq=False)
class AppContext:
    """Everything a handler or a job needs besides the event itself."""

    bot: Bot
    store: Storage
    config: Config
    i18n: CatalogueI18n
    scheduler: JobScheduler
    bot_username: str
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def locale_for(self, language_code: str | None) -> str:
        return pick_locale(language_code, self.i18n.available_locales, self.i18n.default_locale)

    @contextmanager
    def speaking(self, locale: str) -> Iterator[None]:
        """Translate in `locale` inside the block (for jobs and group-wide messages)."""
        with self.i18n.context(), self.i18n.use_locale(locale):
            yield

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.bot_username}?start={payload}"

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Keep a reference to a fire-and-forget task so it is not collected early."""
        task = asyncio.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
