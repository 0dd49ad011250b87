"""Who may steer a workshop and who belongs to a group (anonymous admins included)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message
from aiogram.types.result_chat_member_union import ResultChatMemberUnion
from cachetools import TTLCache

from storage.models import Workshop

# Telegram's stand-in sender for anonymous group admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824
ADMIN_CACHE_SECONDS = 300.0
# While Telegram cannot be asked, the last answer stands at most this long after it was
# fetched (then the fallback: no admins, count unknown); each call asks again meanwhile.
STALE_FACTOR = 2
CACHED_CHATS = 20_000
T = TypeVar("T")
_MEMBER = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


def is_in_chat(member: ResultChatMemberUnion) -> bool:
    """A chat member's status says they are in the chat (restricted members count)."""
    if member.status in _MEMBER:
        return True
    return member.status == ChatMemberStatus.RESTRICTED and bool(
        getattr(member, "is_member", False)
    )


def sender_id(message: Message) -> int:
    """The acting user; an anonymous admin posting as the group counts as the stand-in."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return GROUP_ANONYMOUS_BOT_ID
    return message.from_user.id if message.from_user else 0


def topic_of(message: Message) -> int | None:
    """The forum topic a group message was written in (None: no topics, or the general
    topic)."""
    return message.message_thread_id if message.is_topic_message else None


class Steering:
    """A group's admins and its member count, each remembered per chat for a few minutes,
    and the checks on them."""

    def __init__(
        self,
        bot: Bot,
        ttl: float = ADMIN_CACHE_SECONDS,
        *,
        size: int = CACHED_CHATS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = bot
        self._ttl = ttl
        self._clock = clock
        # (when fetched, value) per chat, kept as long as it may stand in after an error.
        self._admins: TTLCache[int, tuple[float, frozenset[int]]] = TTLCache(
            maxsize=size, ttl=ttl * STALE_FACTOR, timer=clock
        )
        self._counts: TTLCache[int, tuple[float, int | None]] = TTLCache(
            maxsize=size, ttl=ttl * STALE_FACTOR, timer=clock
        )

    async def _cached(
        self,
        cache: TTLCache[int, tuple[float, T]],
        chat_id: int,
        fetch: Callable[[], Awaitable[T]],
        fallback: T,
    ) -> T:
        """`fetch()` at most once per chat within the TTL. On an API error the last value
        stands while it is younger than STALE_FACTOR TTLs (then `fallback`), and the next
        call asks again."""
        now = self._clock()
        cached = cache.get(chat_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        try:
            value = await fetch()
        except TelegramAPIError:
            if cached and now - cached[0] < self._ttl * STALE_FACTOR:
                return cached[1]
            cache.pop(chat_id, None)
            return fallback
        cache[chat_id] = (self._clock(), value)
        return value

    async def admins(self, chat_id: int) -> frozenset[int]:
        async def fetch() -> frozenset[int]:
            members = await self._bot.get_chat_administrators(chat_id)
            return frozenset(m.user.id for m in members)

        return await self._cached(self._admins, chat_id, fetch, frozenset())

    async def member_count(self, chat_id: int) -> int | None:
        """The group's human members: getChatMemberCount minus the bot; None when unknown."""

        async def fetch() -> int | None:
            return max(await self._bot.get_chat_member_count(chat_id) - 1, 0)

        return await self._cached(self._counts, chat_id, fetch, None)

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        if user_id == GROUP_ANONYMOUS_BOT_ID:
            return True
        return user_id in await self.admins(chat_id)

    async def may_steer(self, ws: Workshop, user_id: int) -> bool:
        """The facilitator and the chat's admins may steer a workshop."""
        if user_id == ws.facilitator_id:
            return True
        return await self.is_admin(ws.chat_id, user_id)

    async def membership(self, chat_id: int, user_id: int) -> bool | None:
        """Whether the user is in the group now (restricted members count; who left or was
        removed does not); None when Telegram could not say."""
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError:
            return None
        return is_in_chat(member)

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is in the group now (False when Telegram could not say)."""
        return bool(await self.membership(chat_id, user_id))

    async def can_pin(self, chat_id: int) -> bool:
        """Whether the bot may pin here (it is fine when it may not)."""
        try:
            me = await self._bot.get_chat_member(chat_id, self._bot.id)
        except TelegramAPIError:
            return False
        if me.status == ChatMemberStatus.CREATOR:
            return True
        return bool(getattr(me, "can_pin_messages", False))
