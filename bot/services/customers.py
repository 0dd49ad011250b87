"""Customer voice: the survey link, and what customers do through it in private."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.domain import CUSTOMER, Phase
from bot.services.rating import RatingService
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.services.telegram import send_private
from bot.services.throttle import Slowed, Throttle
from bot.views import customers as views
from bot.views.common import local_time
from storage.db import utcnow
from storage.models import Workshop

CUSTOMER_PREFIX = "c_"


@dataclass(eq=False)
class CustomerService:
    """Issues and revokes a workshop's survey link, and lets customers in through it."""

    ctx: AppContext
    settings: ChatSettings
    steering: Steering
    rating: RatingService
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.ctx.config.workshop.customer_ideas_per_minute)

    def survey_url(self, token: str) -> str:
        return self.ctx.deep_link(f"{CUSTOMER_PREFIX}{token}")

    async def _chat_title(self, ws: Workshop) -> str:
        chat = await self.ctx.store.chats.get(ws.chat_id)
        return chat.title if chat else ""

    async def issue(self, ws: Workshop, user_id: int) -> bool:
        """A new survey link (the old one stops working), sent to `user_id` in private with
        a text to forward; False, and nothing changed, when the bot may not write to them."""
        store = self.ctx.store
        user = await store.users.get(user_id)
        locale = self.ctx.locale_for(user.language_code) if user else ws.locale
        title = await self._chat_title(ws)
        with self.ctx.speaking(locale):
            if (
                await send_private(self.ctx.bot, user_id, views.facilitator_link(ws, title))
                is None
            ):
                return False
            token = secrets.token_urlsafe(16)
            await store.customers.set_token(ws.id, token)
            await send_private(
                self.ctx.bot,
                user_id,
                views.forward_text(ws.topic or title, self.survey_url(token)),
            )
        return True

    async def revoke(self, ws: Workshop) -> bool:
        """Switch the link off and cut off the customers who came through it (their ideas
        and answers so far stay; nothing more is taken from them, and a new link invites
        only those who follow it); False when there was no link."""
        if ws.customer_token is None:
            return False
        await self.ctx.store.customers.revoke(ws.id)
        return True

    async def open(self, user: TelegramUser, payload: str) -> str | None:
        """/start c_<token>: let the customer in. Returns what to tell them, or None when the
        rating wizard was sent instead."""
        store = self.ctx.store
        ws = await store.customers.workshop(payload.removeprefix(CUSTOMER_PREFIX))
        latest = await store.workshops.latest(ws.chat_id, ws.thread_id) if ws else None
        # Valid while the workshop runs: not cancelled, and no newer workshop in its chat.
        if ws is None or latest is None or latest.id != ws.id:
            return _(views.LINK_GONE)
        await store.users.seen(
            user.id, user.username, user.full_name, user.language_code, started=True
        )
        if not await store.customers.is_customer(ws.id, user.id) and (
            await self.steering.is_member(ws.chat_id, user.id)
        ):
            return _(views.TEAM_MEMBER)
        await store.customers.join(ws.id, user.id)
        await store.users.set_idea_box(user.id, ws.id)
        if ws.phase is Phase.RATING:
            rnd = await self.rating.open_round_of(ws)
            if rnd is not None:
                await self.rating.wizard.start_wizard(rnd, ws, user.id, CUSTOMER)
                return None
        deadline = None
        if ws.phase is Phase.BRAINSTORM and ws.deadline is not None:
            deadline = local_time(ws.deadline, await self.settings.zone(ws.chat_id), utcnow())
        return views.welcome(ws, await self._chat_title(ws), deadline)

    async def is_customer(self, ws: Workshop, user_id: int) -> bool:
        return await self.ctx.store.customers.is_customer(ws.id, user_id)

    async def state(self, ws: Workshop, user_id: int) -> bool | None:
        """True: a customer of `ws` now; False: cut off by /customers off (until they follow
        a new link); None: never a customer."""
        state = await self.ctx.store.customers.state(ws.id, user_id)
        if state and ws.customer_token is None:
            return False
        return state

    async def slowed(self, user_id: int) -> Slowed | None:
        """Count one idea message of a customer (a few per minute): None when it may go on."""
        return await self.throttle.take(user_id)
