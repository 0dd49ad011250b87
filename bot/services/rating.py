"""Rating rounds: opening, the private wizard, progress, reminders and closing."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram.types import Message
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.core.clock import format_local
from bot.core.progress import RoundProgress
from bot.core.scoring import CUSTOMER, TEAM
from bot.core.wizard import (
    answered_steps,
    is_complete,
    next_open,
    step_after,
    step_of,
    total_steps,
)
from bot.domain import JobKind, RoundStatus, Stage
from bot.scheduler import job_key
from bot.services.results import ResultsService
from bot.services.settings import ChatSettings
from bot.services.steering import GROUP_ANONYMOUS_BOT_ID, Steering
from bot.services.telegram import drop_buttons, edit_text, send_private
from bot.services.updater import MessageUpdater
from bot.views import rating as views
from bot.views.callbacks import RateAction, RateOp
from bot.views.common import LINK_INVALID, mention, message_link
from storage.db import utcnow
from storage.models import Round, RoundItem, Workshop

RATE_PREFIX = "r_"
HALF_TIME_FROM = timedelta(minutes=2)
LAST_CALL = timedelta(minutes=10)
LAST_CALL_FROM = timedelta(minutes=20)
EXTEND_TOO_FEW = timedelta(minutes=10)
REMINDERS = ("half", "last")
_STAGE_ORDER = {Stage.BEFORE: 0, Stage.DURING: 1, Stage.AFTER: 2, Stage.NONE: 3}


@dataclass(frozen=True, slots=True)
class Tap:
    """What a press in the wizard comes to: the notice for the button, the next view."""

    notice: str | None = None
    alert: bool = False
    view: views.View | None = None


@dataclass(eq=False)
class RatingService:
    """Opening, reminding, progress and closing of rating rounds."""

    ctx: AppContext
    settings: ChatSettings
    steering: Steering
    results: ResultsService
    progress: MessageUpdater = field(init=False)

    def __post_init__(self) -> None:
        self.progress = MessageUpdater(self.ctx.config.workshop.board_edit_seconds, self.render)

    # --- opening -----------------------------------------------------------------------

    async def open_round(self, ws: Workshop, length: timedelta | None = None) -> Round | None:
        """A new round on the shortlisted touchpoints, grouped by stage; None if one is open.

        Without `length`, the one asked for with /rate before the shortlist, else the default.
        """
        store = self.ctx.store
        touchpoints = [tp for tp in await store.touchpoints.live(ws.id) if tp.shortlisted]
        if not touchpoints:
            return None
        touchpoints.sort(key=lambda tp: (_STAGE_ORDER[tp.stage], tp.number))
        if length is None and ws.round_seconds:
            length = timedelta(seconds=ws.round_seconds)
        length = length or timedelta(minutes=(await self.settings.of(ws.chat_id)).rating_minutes)
        deadline = utcnow() + length
        rnd = await store.rounds.open(
            ws.id,
            secrets.token_urlsafe(12),
            deadline,
            [tp.id for tp in touchpoints],
            await self.steering.member_count(ws.chat_id),
        )
        if rnd is None:
            return None
        text, markup = await self.round_view(rnd, ws)
        sent = await self.ctx.bot.send_message(
            ws.chat_id, text, reply_markup=markup, message_thread_id=ws.thread_id
        )
        await store.rounds.set_message(rnd.id, sent.message_id)
        await self._arm(rnd.id, rnd.opened_at, deadline)
        self.results.renderer.warm()  # the wheel will be wanted when the round closes
        await self.invite_customers(rnd, ws)
        return rnd

    async def _arm(self, round_id: int, opened: datetime, deadline: datetime) -> None:
        scheduler = self.ctx.scheduler
        await scheduler.schedule(JobKind.RATING_CLOSE, round_id, deadline)
        length = deadline - opened
        reminders = {
            "half": opened + length / 2 if length >= HALF_TIME_FROM else None,
            "last": deadline - LAST_CALL if length >= LAST_CALL_FROM else None,
        }
        for suffix, when in reminders.items():
            if when is not None and when > utcnow():
                await scheduler.schedule(JobKind.RATING_REMIND, round_id, when, suffix)
            else:
                await scheduler.cancel([job_key(JobKind.RATING_REMIND, round_id, suffix)])

    def rate_url(self, rnd: Round) -> str:
        return self.ctx.deep_link(f"{RATE_PREFIX}{rnd.token}")

    async def open_round_of(self, ws: Workshop) -> Round | None:
        rounds = await self.ctx.store.rounds.for_workshop(ws.id)
        return next((r for r in rounds if r.status is RoundStatus.OPEN), None)

    async def progress_of(self, rnd: Round, chat_id: int) -> RoundProgress:
        """Who started and finished, against the group's members (counted at most every few
        minutes; the last count is kept with the round, so a restart changes nothing)."""
        members = await self.steering.member_count(chat_id)
        if members is None:
            members = rnd.members
        elif members != rnd.members:
            await self.ctx.store.rounds.set_members(rnd.id, members)
        raters = await self.ctx.store.rounds.raters(rnd.id)
        return RoundProgress(
            members=members,
            started=frozenset(r.user_id for r in raters),
            finished=frozenset(r.user_id for r in raters if r.finished_at is not None),
        )

    async def to_name(self, rnd: Round, progress: RoundProgress) -> list[int]:
        """Who a reminder names in the group: the facilitator, the named contributors and
        everyone who started, unless they finished."""
        known = set(await self.ctx.store.touchpoints.contributors(rnd.workshop_id))
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is not None:
            known.add(ws.facilitator_id)
        known.discard(GROUP_ANONYMOUS_BOT_ID)
        return sorted((known | progress.started) - progress.finished)

    # --- the group's round message --------------------------------------------------------

    async def round_view(
        self, rnd: Round, ws: Workshop, progress: RoundProgress | None = None
    ) -> views.View:
        items = await self.ctx.store.rounds.items(rnd.id)
        progress = progress or await self.progress_of(rnd, ws.chat_id)
        zone = await self.settings.zone(ws.chat_id)
        with self.ctx.speaking(ws.locale):
            return views.round_message(
                rnd, ws, len(items), progress, zone, utcnow(), self.rate_url(rnd)
            )

    async def offer_view(self, rnd: Round, ws: Workshop, progress: RoundProgress) -> views.View:
        """The facilitator's "Close now" offer, with the progress as it is now."""
        zone = await self.settings.zone(ws.chat_id)
        facilitator = await self.ctx.store.users.get(ws.facilitator_id)
        name = facilitator.full_name if facilitator else str(ws.facilitator_id)
        with self.ctx.speaking(ws.locale):
            return views.close_offer(
                rnd, progress, format_local(rnd.deadline, zone), mention(ws.facilitator_id, name)
            )

    async def render(self, round_id: int) -> None:
        """Edit the round's group message, and the close offer if one was made, to show the
        progress now."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.message_id is None:
            return
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return
        progress = await self.progress_of(rnd, ws.chat_id)
        text, markup = await self.round_view(rnd, ws, progress)
        await edit_text(self.ctx.bot, ws.chat_id, rnd.message_id, text, markup)
        if rnd.close_offer_message_id and rnd.status is RoundStatus.OPEN:
            text, markup = await self.offer_view(rnd, ws, progress)
            await edit_text(self.ctx.bot, ws.chat_id, rnd.close_offer_message_id, text, markup)

    # --- the wizard ----------------------------------------------------------------------

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
        if source == TEAM:
            self.progress.touch(rnd.id)
        step = await self.first_open_step(rnd, user_id)
        text, markup = await self.wizard_view(rnd, ws, user_id, step, source == CUSTOMER)
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
                line = views.customer_invite(format_local(rnd.deadline, zone))
                if await send_private(self.ctx.bot, user.id, line) is None:
                    await self.ctx.store.users.mark_blocked(user.id)
                    continue
                await self.start_wizard(rnd, ws, user.id, CUSTOMER)

    async def wizard_view(
        self, rnd: Round, ws: Workshop, user_id: int, step: int | None, customer: bool = False
    ) -> views.View:
        """The wizard at `step` (None: the summary of this rater's answers)."""
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = await self.ctx.store.rounds.answers(rnd.id, user_id)
        return self._wizard(rnd, ws, items, answers, step, customer)

    @staticmethod
    def _wizard(
        rnd: Round,
        ws: Workshop,
        items: list[RoundItem],
        answers: views.Answers,
        step: int | None,
        customer: bool = False,
    ) -> views.View:
        if step is None:
            return views.wizard_summary(rnd, ws, items, answers, customer)
        return views.wizard_step(rnd, ws, items, answers, step, customer)

    async def tap(self, user_id: int, chat_id: int | None, data: RateAction) -> Tap:
        """A press in the wizard: the answer is committed before the wizard moves on.

        One read of the round, the rater, the workshop and this rater's answers, one write;
        the spokes come from the repository's memory."""
        store = self.ctx.store
        invalid = Tap(_(views.FORM_INVALID), alert=True)
        closed = Tap(_(views.CLOSED_AND_COUNTED), alert=True)
        rnd = await store.rounds.get(data.r)
        rater = await store.rounds.rater(data.r, user_id) if rnd else None
        if rnd is None or rater is None or chat_id != user_id:
            return invalid
        ws = await store.workshops.get(rnd.workshop_id)
        items = await store.rounds.items(rnd.id)
        step = data.s
        if ws is None or not 0 <= step < total_steps(len(items)):
            return invalid
        if rnd.status is not RoundStatus.OPEN:
            return closed
        answers = await store.rounds.answers(rnd.id, user_id)
        target: int | None = step
        notice = None
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
            if target is None and is_complete(spokes, answers) and rater.source == TEAM:
                await self.mark_finished(rnd, user_id)
                rnd = await store.rounds.get(rnd.id) or rnd  # it may have closed
        elif data.op is RateOp.BACK:
            target = max(0, step - 1)
        customer = rater.source == CUSTOMER
        return Tap(notice, view=self._wizard(rnd, ws, items, answers, target, customer))

    async def first_open_step(self, rnd: Round, user_id: int) -> int | None:
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = await self.ctx.store.rounds.answers(rnd.id, user_id)
        spokes = [item.touchpoint_id for item in items]
        return next_open(answered_steps(spokes, answers), total_steps(len(items)))

    async def mark_finished(self, rnd: Round, user_id: int) -> None:
        """A rater answered every step: close when the whole group is done, or offer the
        facilitator to close when everyone who started is."""
        rater = await self.ctx.store.rounds.rater(rnd.id, user_id)
        if rater is None:
            return
        if rater.finished_at is None:
            await self.ctx.store.rounds.set_finished(rnd.id, user_id, True)
            self.progress.touch(rnd.id)
        # Checked again even when already marked: a crash between the mark and the close
        # must not leave a finished round open (closing and the offer happen once anyway).
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return
        progress = await self.progress_of(rnd, ws.chat_id)
        min_raters = (await self.settings.of(ws.chat_id)).min_raters
        if progress.closes_by_itself(min_raters):
            await self.close(rnd.id)
        elif progress.offers_close(min_raters) and await self.ctx.store.rounds.offer_close(rnd.id):
            await self.offer_close(rnd, ws, progress)

    async def offer_close(self, rnd: Round, ws: Workshop, progress: RoundProgress) -> None:
        """The one "Close now" for the facilitator, under the round's message."""
        text, markup = await self.offer_view(rnd, ws, progress)
        sent = await self.ctx.bot.send_message(
            ws.chat_id,
            text,
            reply_markup=markup,
            message_thread_id=ws.thread_id,
            reply_to_message_id=rnd.message_id,
            allow_sending_without_reply=True,
        )
        await self.ctx.store.rounds.set_close_offer(rnd.id, sent.message_id)

    # --- reminders and closing -------------------------------------------------------------

    async def remind(self, round_id: int) -> None:
        """Job: one group line naming who has not finished and counting who has not started,
        and a private nudge to everyone who started and did not finish."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.status is not RoundStatus.OPEN:
            return
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return
        progress = await self.progress_of(rnd, ws.chat_id)
        missing = await self.to_name(rnd, progress)
        if not missing and not progress.not_started:
            return
        users = await self.ctx.store.users.many(missing)
        left = max(rnd.deadline - utcnow(), timedelta())
        with self.ctx.speaking(ws.locale):
            names = ", ".join(
                mention(uid, users[uid].full_name if uid in users else str(uid)) for uid in missing
            )
            text, markup = views.reminder(left, ws.locale, names, progress, self.rate_url(rnd))
            await self.ctx.bot.send_message(
                ws.chat_id,
                text,
                reply_markup=markup,
                message_thread_id=ws.thread_id,
                reply_to_message_id=rnd.message_id,
                allow_sending_without_reply=True,
            )
        for uid in sorted(progress.rating_now):
            user = users.get(uid)
            if user is None or user.blocked_bot:
                continue
            locale = self.ctx.locale_for(user.language_code)
            with self.ctx.speaking(locale):
                text, markup = views.nudge(left, locale, self.rate_url(rnd))
                sent = await send_private(self.ctx.bot, uid, text, markup)
            if sent is None:
                await self.ctx.store.users.mark_blocked(uid)

    async def deadline(self, round_id: int) -> None:
        """Job: the round's time is up."""
        await self.close(round_id)

    async def close(self, round_id: int, *, show_anyway: bool = False) -> bool:
        """Close the round and publish the results, or ask the facilitator when too few
        people rated."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.status is not RoundStatus.OPEN:
            return False
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return False
        count = await self.ctx.store.rounds.rater_count(rnd.id)
        needed = (await self.settings.of(ws.chat_id)).min_raters
        if count < needed and not show_anyway:
            with self.ctx.speaking(ws.locale):
                text, markup = views.too_few(rnd, count, needed, EXTEND_TOO_FEW)
                await self.ctx.bot.send_message(
                    ws.chat_id, text, reply_markup=markup, message_thread_id=ws.thread_id
                )
            return False
        if not await self.ctx.store.rounds.close(
            rnd.id, show_anyway=show_anyway or count >= needed
        ):
            return False
        await self.ctx.scheduler.cancel(
            [
                job_key(JobKind.RATING_CLOSE, rnd.id),
                *(job_key(JobKind.RATING_REMIND, rnd.id, s) for s in REMINDERS),
            ]
        )
        await self.progress.flush(rnd.id)
        await self.results.publish(rnd.id)
        await self.tidy_up(rnd.id)
        return True

    async def tidy_up(self, round_id: int) -> None:
        """After the results: the close offer loses its button, every rater's wizard becomes
        their closed summary, and each rater gets one private line linking to the results."""
        store = self.ctx.store
        rnd = await store.rounds.get(round_id)
        ws = await store.workshops.get(rnd.workshop_id) if rnd else None
        if rnd is None or ws is None:
            return
        if rnd.close_offer_message_id:
            await drop_buttons(self.ctx.bot, ws.chat_id, rnd.close_offer_message_id)
        raters = await store.rounds.raters(rnd.id, source=None)
        users = await store.users.many([r.user_id for r in raters])
        chat = await store.chats.get(ws.chat_id)
        link = message_link(ws.chat_id, rnd.results_message_id)
        for rater in raters:
            user = users.get(rater.user_id)
            if user is None or user.blocked_bot:
                continue
            customer = rater.source == CUSTOMER
            with self.ctx.speaking(self.ctx.locale_for(user.language_code)):
                if rater.wizard_message_id is not None:
                    text, markup = await self.wizard_view(rnd, ws, rater.user_id, None, customer)
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

    async def extend(self, rnd: Round, extra: timedelta) -> Round:
        deadline = max(rnd.deadline, utcnow()) + extra
        await self.ctx.store.rounds.set_deadline(rnd.id, deadline)
        await self._arm(rnd.id, rnd.opened_at, deadline)
        await self.progress.flush(rnd.id)
        found = await self.ctx.store.rounds.get(rnd.id)
        assert found is not None
        return found
