"""The chat itself changes: a group becomes a supergroup, the bot is removed or added back,
people join and leave."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated, Message
from aiogram.utils.i18n import get_i18n

from bot.services.chats import ChatEvents
from bot.services.steering import is_in_chat

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


async def member_changed(event: ChatMemberUpdated, chats: ChatEvents) -> None:
    """Someone else joined, left or was removed (Telegram sends these to admin bots that
    ask for chat_member updates; registering this handler asks for them)."""
    user = event.new_chat_member.user
    if event.chat.type == "private" or user.is_bot:
        return
    if is_in_chat(event.new_chat_member):
        await chats.member_joined(event.chat.id, user)
    else:
        await chats.member_left(event.chat.id, user.id)


async def member_left(message: Message, chats: ChatEvents) -> None:
    """The service message "… left the group" (or was removed)."""
    user = message.left_chat_member
    if user is not None and not user.is_bot:  # the bot itself: my_chat_member says so
        await chats.member_left(message.chat.id, user.id)


async def members_joined(message: Message, chats: ChatEvents) -> None:
    """The service message "… joined the group" (or were added)."""
    for user in message.new_chat_members or []:
        if not user.is_bot:
            await chats.member_joined(message.chat.id, user)


def router() -> Router:
    """Included first: service messages about the chat never reach the feature routers."""
    router = Router(name="chats")
    router.message.register(migrated_to, F.migrate_to_chat_id)
    router.message.register(migrated_from, F.migrate_from_chat_id)
    router.message.register(member_left, F.left_chat_member)
    router.message.register(members_joined, F.new_chat_members)
    router.my_chat_member.register(membership)
    router.chat_member.register(member_changed)
    return router
