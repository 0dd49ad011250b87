"""Who may steer a workshop and who belongs to a group (anonymous admins included)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from storage.models import Workshop

# Telegram's stand-in sender for anonymous group admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824
ADMIN_CACHE_SECONDS = 300.0
# Bounds on what is remembered: the most recently fetched chats, each for a day at most (a
# stale value only stands in when Telegram does not answer).
CACHE_CHATS = 10_000
CACHE_MAX_AGE_SECONDS = 86_400.0
T = TypeVar("T")
_MEMBER = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


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
        max_chats: int = CACHE_CHATS,
        max_age: float = CACHE_MAX_AGE_SECONDS,
    ) -> None:
        self._bot = bot
        self._ttl = ttl
        self._max_chats = max_chats
        self._max_age = max(max_age, ttl)
        # Oldest fetch first: a fetched chat moves to the end, so trimming stops early.
        self._admins: OrderedDict[int, tuple[float, frozenset[int]]] = OrderedDict()
        self._counts: OrderedDict[int, tuple[float, int | None]] = OrderedDict()

    def _store(self, cache: OrderedDict[int, tuple[float, T]], chat_id: int, value: T) -> None:
        now = time.monotonic()
        cache[chat_id] = (now, value)
        cache.move_to_end(chat_id)
        while cache and (
            len(cache) > self._max_chats or next(iter(cache.values()))[0] + self._max_age <= now
        ):
            cache.popitem(last=False)

    async def _cached(
        self,
        cache: OrderedDict[int, tuple[float, T]],
        chat_id: int,
        fetch: Callable[[], Awaitable[T]],
        fallback: T,
    ) -> T:
        """`fetch()` at most once per chat within the TTL; on an API error the last value
        (or `fallback`) stands."""
        cached = cache.get(chat_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            value = await fetch()
        except TelegramAPIError:
            return cached[1] if cached else fallback
        self._store(cache, chat_id, value)
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

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is in the group now (restricted members count)."""
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError:
            return False
        if member.status in _MEMBER:
            return True
        return member.status == ChatMemberStatus.RESTRICTED and bool(
            getattr(member, "is_member", False)
        )

    async def can_pin(self, chat_id: int) -> bool:
        """Whether the bot may pin here (it is fine when it may not)."""
        try:
            me = await self._bot.get_chat_member(chat_id, self._bot.id)
        except TelegramAPIError:
            return False
        if me.status == ChatMemberStatus.CREATOR:
            return True
        return bool(getattr(me, "can_pin_messages", False))
