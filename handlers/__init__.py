"""The Telegram surface: routers only, one module per phase.

The parent routers here carry the chat-type filters; the feature routers they include
are matched in the order listed.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from handlers import (
    chats,
    customers,
    errors,
    followup,
    ideas,
    plan,
    rating,
    results,
    review,
    settings,
    start,
    workshop,
)

GROUP_CHATS = {"group", "supergroup"}


def written_here(message: Message) -> bool:
    """A member wrote it in this group: not a channel posting into it, not a forward. An
    anonymous admin (the group as sender) counts."""
    if message.forward_origin is not None:
        return False
    return message.sender_chat is None or message.sender_chat.id == message.chat.id


def make_routers() -> list[Router]:
    """Fresh routers for one Dispatcher: private chats, groups, then buttons."""
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.include_routers(
        ideas.private_router(),  # deep links before /start: /start i_… opens the idea box
        rating.private_router(),  # /start r_… opens the rating wizard
        customers.private_router(),  # /start c_… lets a customer in
        settings.private_router(),  # before the pointer: /settings here is one's language
        workshop.private_router(),  # group commands sent here get a pointer to the group
        start.private_router(),
        ideas.private_fallback_router(),  # plain text last
    )
    group = Router(name="group")
    group.message.filter(F.chat.type.in_(GROUP_CHATS), written_here)
    group.include_routers(
        workshop.group_router(),
        customers.group_router(),
        settings.group_router(),
        ideas.group_router(),
        review.group_router(),
        results.group_router(),
        followup.group_router(),
        plan.group_router(),
        start.group_router(),
        ideas.group_fallback_router(),  # plain text last
    )
    # Buttons are routed by their callback data; each handler checks the chat against the
    # workshop or round it names. Anything unclaimed gets a polite "no longer valid".
    return [
        errors.router(),
        chats.router(),
        private,
        group,
        rating.buttons_router(),
        plan.buttons_router(),
        settings.buttons_router(),
        start.fallback_router(),
    ]


__all__ = ["make_routers"]
