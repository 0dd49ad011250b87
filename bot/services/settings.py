"""Per-chat settings resolved in one place: the chat's own value, else the config's."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.config import Capture, Config
from bot.core.preferences import Change, Preferences, resolve
from storage import Storage
from storage.db import utcnow


class ChatSettings:
    """What a chat has set with /settings, over the config's defaults."""

    def __init__(self, store: Storage, config: Config) -> None:
        self._store = store
        self._config = config

    @property
    def defaults(self) -> Preferences:
        workshop = self._config.workshop
        return Preferences(
            locale=self._config.locale.default,
            timezone=self._config.locale.timezone,
            # The config's defaults are not coerced by pydantic: 30 stays an int.
            brainstorm_minutes=float(workshop.brainstorm_minutes),
            rating_minutes=float(workshop.rating_minutes),
            min_raters=workshop.min_raters,
            max_touchpoints=workshop.max_touchpoints,
            customer_weight=float(workshop.customer_weight),
            capture=str(workshop.capture),
            anyone_can_start=workshop.anyone_can_start,
        )

    async def of(self, chat_id: int) -> Preferences:
        """Everything this chat has set, the config's value for the rest."""
        chat = await self._store.chats.get(chat_id)
        if chat is None:
            return self.defaults
        stored: dict[str, object] = dict(chat.settings)
        if chat.locale:
            stored["locale"] = chat.locale
        if chat.timezone:
            stored["timezone"] = chat.timezone
        return resolve(stored, self.defaults)

    async def apply(self, chat_id: int, change: Change) -> None:
        """Store one checked change; the language and zone have columns of their own."""
        if change.name == "locale":
            await self._store.chats.set_locale(chat_id, str(change.value))
            await self._store.workshops.relabel(chat_id, str(change.value))
        elif change.name == "timezone":
            await self._store.chats.set_timezone(chat_id, str(change.value))
        else:
            await self._store.chats.update_settings(chat_id, **{change.name: change.value})

    async def choose_own_locale(self, user_id: int, locale: str) -> None:
        """A user's own language for the bot's private messages (/settings in private)."""
        await self._store.users.choose_locale(user_id, locale)

    async def zone(self, chat_id: int) -> str:
        """The IANA time zone times are shown in."""
        return (await self.of(chat_id)).timezone

    async def today(self, chat_id: int) -> date:
        """The date it is now in the chat's time zone."""
        return utcnow().astimezone(ZoneInfo(await self.zone(chat_id))).date()

    async def locale(self, chat_id: int) -> str | None:
        """The chat's language, if one was set (else each user's own)."""
        chat = await self._store.chats.get(chat_id)
        return chat.locale if chat is not None and chat.locale else None

    async def capture(self, chat_id: int) -> Capture:
        """Whether plain messages count as ideas, or only replies and /idea."""
        return Capture.ALL if (await self.of(chat_id)).capture == Capture.ALL else Capture.REPLIES

    async def anyone_can_start(self, chat_id: int) -> bool:
        return (await self.of(chat_id)).anyone_can_start
