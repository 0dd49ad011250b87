"""The chat itself changes: a group becomes a supergroup, the bot is removed or added back."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated, Message
from aiogram.utils.i18n import get_i18n

from bot.services.chats import ChatEvents

GONE = {ChatMemberStatus.LEFT, ChatMemberStatus.KICKED}


async def migrated_to(message: Message, chats: ChatEvents) -> None:
    """The service message in the old group: everything moves to the supergroup."""
    assert message.migrate_to_chat_id is not None
    await chats.migrate(message.chat.id, message.migrate_to_chat_id)


async def migrated_from(message: Message, chats: ChatEvents) -> None:
    """The service message in the new supergroup (it may come first)."""
    assert message.migrate_from_chat_id is not None
    await chats.migrate(message.migrate_from_chat_id, message.chat.id)


async def membership(event: ChatMemberUpdated, chats: ChatEvents) -> None:
    """The bot's own membership: removed or kicked pauses the chat, added back resumes it."""
    if event.chat.type == "private":
        return  # a user blocking the bot is noticed when a message to them fails
    was_gone = event.old_chat_member.status in GONE
    now_gone = event.new_chat_member.status in GONE
    if now_gone and not was_gone:
        await chats.removed(event.chat.id)
    elif was_gone and not now_gone:
        await chats.added(event.chat.id, get_i18n().current_locale)


def router() -> Router:
    """Included first: service messages about the chat never reach the feature routers."""
    router = Router(name="chats")
    router.message.register(migrated_to, F.migrate_to_chat_id)
    router.message.register(migrated_from, F.migrate_from_chat_id)
    router.my_chat_member.register(membership)
    return router
