"""Per-chat settings resolved in one place: the chat's own value, else the config's."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.config import Capture, Config
from storage import Storage
from storage.db import utcnow


class ChatSettings:
    """What a chat has set (today: by hand in the database; `/settings` will write it)."""

    def __init__(self, store: Storage, config: Config) -> None:
        self._store = store
        self._config = config

    async def zone(self, chat_id: int) -> str:
        """The IANA time zone times are shown in."""
        chat = await self._store.chats.get(chat_id)
        return (chat.timezone if chat else None) or self._config.locale.timezone

    async def today(self, chat_id: int) -> date:
        """The date it is now in the chat's time zone."""
        return utcnow().astimezone(ZoneInfo(await self.zone(chat_id))).date()

    async def locale(self, chat_id: int) -> str | None:
        """The chat's language, if one was set (else each user's own)."""
        chat = await self._store.chats.get(chat_id)
        return chat.locale if chat is not None and chat.locale else None

    async def capture(self, chat_id: int) -> Capture:
        """Whether plain messages count as ideas, or only replies and /idea."""
        chat = await self._store.chats.get(chat_id)
        default = self._config.workshop.capture
        value = str(chat.settings.get("capture", default)) if chat else default
        return Capture.ALL if value == Capture.ALL else Capture.REPLIES

    async def anyone_can_start(self, chat_id: int) -> bool:
        chat = await self._store.chats.get(chat_id)
        default = self._config.workshop.anyone_can_start
        return bool(chat.settings.get("anyone_can_start", default)) if chat else default
