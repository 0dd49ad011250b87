"""Who may steer a workshop: the facilitator and chat admins (anonymous ones included)."""

from __future__ import annotations

import time

from aiogram import Bot
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

# Telegram's stand-in sender for anonymous group admins.
GROUP_ANONYMOUS_BOT_ID = 1087968824
ADMIN_CACHE_SECONDS = 300.0


class AdminCache:
    """getChatAdministrators, remembered per chat for a few minutes."""

    def __init__(self, ttl: float = ADMIN_CACHE_SECONDS) -> None:
        self._ttl = ttl
        self._admins: dict[int, tuple[float, frozenset[int]]] = {}

    async def admins(self, bot: Bot, chat_id: int) -> frozenset[int]:
        cached = self._admins.get(chat_id)
        if cached and time.monotonic() - cached[0] < self._ttl:
            return cached[1]
        try:
            members = await bot.get_chat_administrators(chat_id)
        except TelegramAPIError:
            return cached[1] if cached else frozenset()
        ids = frozenset(m.user.id for m in members)
        self._admins[chat_id] = (time.monotonic(), ids)
        return ids

    async def is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        if user_id == GROUP_ANONYMOUS_BOT_ID:
            return True
        return user_id in await self.admins(bot, chat_id)

    async def can_pin(self, bot: Bot, chat_id: int) -> bool:
        """Whether the bot may pin here (it is fine when it may not)."""
        try:
            me = await bot.get_chat_member(chat_id, bot.id)
        except TelegramAPIError:
            return False
        if me.status == ChatMemberStatus.CREATOR:
            return True
        return bool(getattr(me, "can_pin_messages", False))


def sender_id(message: Message) -> int:
    """The acting user; an anonymous admin posting as the group counts as the stand-in."""
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return GROUP_ANONYMOUS_BOT_ID
    return message.from_user.id if message.from_user else 0
