"""The private rating wizard: who may rate, each step, every tap, and the summary at close."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiogram.types import Message
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.core.wizard import (
    answered_steps,
    is_complete,
    next_open,
    step_after,
    step_of,
    total_steps,
)
from bot.domain import CUSTOMER, TEAM, RoundStatus
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.services.telegram import edit_text, send_private
from bot.views import rating as views
from bot.views.callbacks import RateAction, RateOp
from bot.views.common import LINK_INVALID, local_time, message_link
from bot.views.customers import SURVEY_OFF
from storage.db import utcnow
from storage.models import Answers, RaterState, Round, RoundItem, Workshop

RATE_PREFIX = "r_"


@dataclass(frozen=True, slots=True)
class Tap:
    """What a press in the wizard comes to: the notice for the button, the next view, and
    whether it was a team member's last answer (`finished`: the round, its workshop and the
    answers as they are now; the round may close)."""

    notice: str | None = None
    alert: bool = False
    view: views.View | None = None
    finished: RaterState | None = None


@dataclass(eq=False)
class WizardService:
    """Opens the wizard for members and customers, takes every tap, closes the summaries."""

    ctx: AppContext
    settings: ChatSettings
    steering: Steering

    def rate_url(self, rnd: Round) -> str:
        return self.ctx.deep_link(f"{RATE_PREFIX}{rnd.token}")

    async def welcome(self, user: TelegramUser) -> list[tuple[Round, str, str]]:
        """A private /start: the user may be written to now; their open rounds (the round,
        where it is, its link)."""
        store = self.ctx.store
        await store.users.seen(
            user.id, user.username, user.full_name, user.language_code, started=True
        )
        return [
            (rnd, label, self.rate_url(rnd))
            for rnd, label in await store.rounds.open_for_member(user.id)
        ]

    async def open_wizard(self, user: TelegramUser, token: str) -> str | None:
        """/start r_<token>: check membership, then send the first unanswered step.

        Returns the refusal to show instead, if any."""
        store = self.ctx.store
        rnd = await store.rounds.by_token(token.removeprefix(RATE_PREFIX))
        ws = await store.workshops.get(rnd.workshop_id) if rnd else None
        if rnd is None or ws is None:
            return _(LINK_INVALID)
        await store.users.seen(
            user.id, user.username, user.full_name, user.language_code, started=True
        )
        if not await self.steering.is_member(ws.chat_id, user.id):
            return _(views.NOT_A_MEMBER)
        if rnd.status is not RoundStatus.OPEN:
            return _(views.ROUND_CLOSED)
        await self.start_wizard(rnd, ws, user.id)
        return None

    async def start_wizard(
        self, rnd: Round, ws: Workshop, user_id: int, source: str = TEAM
    ) -> Message | None:
        """Count the user as a rater (of the team, or a customer) and send their first
        unanswered step (None: they blocked the bot)."""
        store = self.ctx.store
        await store.rounds.start_rater(rnd.id, user_id, source)
        items = tuple(await store.rounds.items(rnd.id))
        answers = await store.rounds.answers(rnd.id, user_id)
        spokes = [item.touchpoint_id for item in items]
        step = next_open(answered_steps(spokes, answers), total_steps(len(items)))
        text, markup = self.view(rnd, ws, items, answers, step, source == CUSTOMER)
        sent = await send_private(self.ctx.bot, user_id, text, markup)
        if sent is None:
            await store.users.mark_blocked(user_id)
            return None
        await store.rounds.set_wizard_message(rnd.id, user_id, sent.message_id)
        return sent

    async def invite_customers(self, rnd: Round, ws: Workshop) -> None:
        """A round opened: every customer who came through the workshop's current link gets
        the wizard in private, in their own language."""
        if ws.customer_token is None:
            return
        customers = await self.ctx.store.customers.aliases(ws.id)
        users = await self.ctx.store.users.many(sorted(customers))
        zone = await self.settings.zone(ws.chat_id)
        for user in users.values():
            if user.blocked_bot:
                continue
            with self.ctx.speaking(self.ctx.locale_for(user.language_code)):
                line = views.customer_invite(local_time(rnd.deadline, zone, utcnow()))
                if await send_private(self.ctx.bot, user.id, line) is None:
                    await self.ctx.store.users.mark_blocked(user.id)
                    continue
                await self.start_wizard(rnd, ws, user.id, CUSTOMER)

    @staticmethod
    def view(
        rnd: Round,
        ws: Workshop,
        items: tuple[RoundItem, ...],
        answers: Answers,
        step: int | None,
        customer: bool = False,
    ) -> views.View:
        """The wizard at `step` (None: the summary of this rater's answers)."""
        if step is None:
            return views.wizard_summary(rnd, ws, list(items), answers, customer)
        return views.wizard_step(rnd, ws, list(items), answers, step, customer)

    async def tap(self, user_id: int, chat_id: int | None, data: RateAction) -> Tap:
        """A press in the wizard: the answer is committed before the wizard moves on.

        One read (the round, its workshop and spokes, the rater and their answers) and one
        write."""
        store = self.ctx.store
        invalid = Tap(_(views.FORM_INVALID), alert=True)
        closed = Tap(_(views.CLOSED_AND_COUNTED), alert=True)
        state = await store.rounds.rater_state(data.r, user_id)
        if state is None or state.rater is None or chat_id != user_id:
            return invalid
        rnd, ws, items, rater = state.round, state.workshop, state.items, state.rater
        step = data.s
        if not 0 <= step < total_steps(len(items)):
            return invalid
        if rnd.status is not RoundStatus.OPEN:
            return closed
        answers = dict(state.answers)
        target: int | None = step
        notice = None
        customer = rater.source == CUSTOMER
        if customer and not (
            ws.customer_token is not None
            and await store.customers.is_customer(ws.id, user_id)  # customers only
        ):
            return Tap(_(SURVEY_OFF), alert=True)  # /customers off cut them off
        if data.op is RateOp.VALUE or data.op is RateOp.SKIP:
            value = data.v if data.op is RateOp.VALUE else None
            if value is not None and not 0 <= value <= 10:
                return Tap(_(views.INVALID_ANSWER), alert=True)
            index, criterion = step_of(step)
            tp_id = items[index].touchpoint_id
            if not await store.rounds.answer(
                rnd.id, tp_id, user_id, criterion, value, rater.source
            ):
                return closed
            answers[(tp_id, criterion)] = value
            spokes = [item.touchpoint_id for item in items]
            target = step_after(step, spokes, answers)
            notice = views.saved(value)
            # Customers do not count towards closing the round.
            if target is None and is_complete(spokes, answers) and not customer:
                view = self.view(rnd, ws, items, answers, None)
                return Tap(notice, view=view, finished=replace(state, answers=answers))
        elif data.op is RateOp.BACK:
            target = max(0, step - 1)
        return Tap(notice, view=self.view(rnd, ws, items, answers, target, customer))

    async def close_wizards(self, rnd: Round, ws: Workshop, shown: frozenset[int]) -> None:
        """After the results: every rater's wizard becomes their closed summary (but those
        in `shown`, who see it already), and each rater gets one private line linking to the
        results."""
        store = self.ctx.store
        raters = await store.rounds.raters(rnd.id, source=None)
        users = await store.users.many([r.user_id for r in raters])
        chat = await store.chats.get(ws.chat_id)
        link = message_link(ws.chat_id, rnd.results_message_id)
        items = tuple(await store.rounds.items(rnd.id))
        for rater in raters:
            user = users.get(rater.user_id)
            if user is None or user.blocked_bot:
                continue
            customer = rater.source == CUSTOMER
            with self.ctx.speaking(self.ctx.locale_for(user.language_code)):
                if rater.wizard_message_id is not None and rater.user_id not in shown:
                    answers = await store.rounds.answers(rnd.id, rater.user_id)
                    text, markup = self.view(rnd, ws, items, answers, None, customer)
                    await edit_text(
                        self.ctx.bot, rater.user_id, rater.wizard_message_id, text, markup
                    )
                # Customers are not in the group: no link to its results.
                line = (
                    views.customer_thanks(rnd)
                    if customer
                    else views.results_ready(rnd, ws.topic or (chat.title if chat else ""), link)
                )
                if await send_private(self.ctx.bot, rater.user_id, line) is None:
                    await store.users.mark_blocked(rater.user_id)
