"""Rating rounds: opening, progress, reminders, closing and publishing the results."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.core.progress import RoundProgress
from bot.domain import JobKind, RoundStatus, Stage
from bot.scheduler import Timer, job_key
from bot.services.results import ResultsService
from bot.services.settings import ChatSettings
from bot.services.steering import GROUP_ANONYMOUS_BOT_ID, Steering
from bot.services.telegram import drop_buttons, edit_text, send_private
from bot.services.updater import MessageUpdater
from bot.services.wizard import Tap, WizardService
from bot.views import rating as views
from bot.views.callbacks import RateAction, RoundOp
from bot.views.common import EARLIER_STEP, NOT_ALLOWED, local_time, mention
from storage.db import utcnow
from storage.models import Round, User, Workshop

HALF_TIME_FROM = timedelta(minutes=2)
LAST_CALL = timedelta(minutes=10)
LAST_CALL_FROM = timedelta(minutes=20)
EXTEND_TOO_FEW = timedelta(minutes=10)
REMINDERS = ("half", "last")
_STAGE_ORDER = {Stage.BEFORE: 0, Stage.DURING: 1, Stage.AFTER: 2, Stage.NONE: 3}
# Whose wizard already shows the closed summary (their tap closed the round), kept until
# the publication has closed the others'.
SHOWN_CLOSED_MAX = 10_000


@dataclass(eq=False)
class RatingService:
    """Opening, reminding, progress and closing of rating rounds."""

    ctx: AppContext
    settings: ChatSettings
    steering: Steering
    results: ResultsService
    wizard: WizardService
    progress: MessageUpdater = field(init=False)
    _shown_closed: dict[int, set[int]] = field(init=False, default_factory=dict)

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
        opened = utcnow()
        deadline = opened + length
        timers = self._timers(opened, deadline)
        rnd = await store.rounds.open(
            ws.id,
            secrets.token_urlsafe(12),
            deadline,
            [tp.id for tp in touchpoints],
            await self.steering.member_count(ws.chat_id),
            # Stored with the round: no crash can leave it open without its deadline.
            timers=self.ctx.scheduler.rows(timers),
        )
        if rnd is None:
            return None
        self.ctx.scheduler.arm(rnd.id, timers)
        text, markup = await self.round_view(rnd, ws)
        sent = await self.ctx.bot.send_message(
            ws.chat_id, text, reply_markup=markup, message_thread_id=ws.thread_id
        )
        await store.rounds.set_message(rnd.id, sent.message_id)
        self.results.warm()  # the wheel and the plan will be wanted when the round closes
        await self.wizard.invite_customers(rnd, ws)
        return rnd

    @staticmethod
    def _timers(opened: datetime, deadline: datetime) -> list[Timer]:
        """The deadline and the reminders that still lie ahead: (kind, suffix, when)."""
        length = deadline - opened
        reminders = {
            "half": opened + length / 2 if length >= HALF_TIME_FROM else None,
            "last": deadline - LAST_CALL if length >= LAST_CALL_FROM else None,
        }
        now = utcnow()
        return [(JobKind.RATING_CLOSE, "", deadline)] + [
            (JobKind.RATING_REMIND, suffix, when)
            for suffix, when in reminders.items()
            if when is not None and when > now
        ]

    async def _arm(self, round_id: int, opened: datetime, deadline: datetime) -> None:
        await self.ctx.scheduler.rearm(
            round_id, self._timers(opened, deadline), JobKind.RATING_REMIND, REMINDERS
        )

    def rate_url(self, rnd: Round) -> str:
        return self.wizard.rate_url(rnd)

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
                rnd,
                progress,
                local_time(rnd.deadline, zone, utcnow()),
                mention(ws.facilitator_id, name),
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

    # --- a tap in the wizard -----------------------------------------------------------------

    async def tap(self, user_id: int, chat_id: int | None, data: RateAction) -> Tap:
        """A press in the wizard, committed; a rater's last answer may close the round (the
        results are then published in the background, and the rater sees the closed
        summary at once)."""
        tap = await self.wizard.tap(user_id, chat_id, data)
        state = tap.finished
        if state is None:
            return tap
        rnd, ws = state.round, state.workshop
        if not await self.mark_finished(rnd, user_id, ws):
            return tap
        closed = await self.ctx.store.rounds.get(rnd.id) or rnd
        shown = self._shown_closed.setdefault(rnd.id, set())
        if len(self._shown_closed) > SHOWN_CLOSED_MAX:
            self._shown_closed.pop(next(iter(self._shown_closed)))
        shown.add(user_id)
        view = self.wizard.view(closed, ws, state.items, state.answers, None)
        return Tap(tap.notice, tap.alert, view)

    async def mark_finished(self, rnd: Round, user_id: int, ws: Workshop) -> bool:
        """A rater answered every step: close when the whole group is done (True), or offer
        the facilitator to close when everyone who started is."""
        rater = await self.ctx.store.rounds.rater(rnd.id, user_id)
        if rater is None:
            return False
        if rater.finished_at is None:
            await self.ctx.store.rounds.set_finished(rnd.id, user_id, True)
            self.progress.touch(rnd.id)
        # Checked again even when already marked: a crash between the mark and the close
        # must not leave a finished round open (closing and the offer happen once anyway).
        progress = await self.progress_of(rnd, ws.chat_id)
        min_raters = (await self.settings.of(ws.chat_id)).min_raters
        if progress.closes_by_itself(min_raters):
            return await self.close(rnd.id)
        if progress.offers_close(min_raters) and await self.ctx.store.rounds.offer_close(rnd.id):
            await self.offer_close(rnd, ws, progress)
        return False

    async def offer_close(self, rnd: Round, ws: Workshop, progress: RoundProgress) -> None:
        """The one "Close now" for the facilitator, under the round's message."""
        text, markup = await self.offer_view(rnd, ws, progress)
        sent = await self._under_round(ws, rnd, text, markup)
        await self.ctx.store.rounds.set_close_offer(rnd.id, sent.message_id)

    async def _under_round(
        self, ws: Workshop, rnd: Round, text: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        """A group message in reply to the round's own message (sent anyway if it is gone)."""
        return await self.ctx.bot.send_message(
            ws.chat_id,
            text,
            reply_markup=markup,
            message_thread_id=ws.thread_id,
            reply_to_message_id=rnd.message_id,
            allow_sending_without_reply=True,
        )

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
        # Each message is marked as it goes out: a run repeated after a failure sends
        # only what did not go out.
        once = self.ctx.scheduler.once
        names = [
            mention(uid, users[uid].full_name if uid in users else str(uid)) for uid in missing
        ]
        with self.ctx.speaking(ws.locale):
            text, markup = views.reminder(left, ws.locale, names, progress, self.rate_url(rnd))
        await once("group", self._under_round, ws, rnd, text, markup)
        for uid in sorted(progress.rating_now):
            user = users.get(uid)
            if user is None or user.blocked_bot:
                continue
            await once(f"nudge:{uid}", self._nudge, user, left, rnd)

    async def _nudge(self, user: User, left: timedelta, rnd: Round) -> None:
        """The private reminder to someone who started and did not finish."""
        locale = self.ctx.locale_for(user.language_code)
        with self.ctx.speaking(locale):
            text, markup = views.nudge(left, locale, self.rate_url(rnd))
        if await send_private(self.ctx.bot, user.id, text, markup) is None:
            await self.ctx.store.users.mark_blocked(user.id)

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
        timers = [
            job_key(JobKind.RATING_CLOSE, rnd.id),
            *(job_key(JobKind.RATING_REMIND, rnd.id, s) for s in REMINDERS),
        ]
        publish = job_key(JobKind.PUBLISH_RESULTS, rnd.id)
        if not await self.ctx.store.rounds.close(
            rnd.id,
            show_anyway=show_anyway or count >= needed,
            publish=(publish, JobKind.PUBLISH_RESULTS.value),
            drop_jobs=timers,
        ):
            return False
        self.ctx.scheduler.forget(timers)
        self.ctx.scheduler.run_stored(JobKind.PUBLISH_RESULTS, rnd.id)
        return True

    async def publish(self, round_id: int) -> None:
        """Job: a closed round's results, in steps that each leave a mark, so that a
        publication cut short resumes where it stopped: the wheel, then the ranking and plan,
        then the round's message and the raters' summaries."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.status is not RoundStatus.CLOSED or rnd.published:
            return
        rnd = await self.results.publish(rnd)
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return
        await self.progress.flush(rnd.id)
        if rnd.close_offer_message_id:
            await drop_buttons(self.ctx.bot, ws.chat_id, rnd.close_offer_message_id)
        shown = frozenset(self._shown_closed.pop(rnd.id, set()))
        await self.wizard.close_wizards(rnd, ws, shown)
        await self.ctx.store.rounds.set_published(rnd.id)

    async def steerable(
        self, round_id: int, chat_id: int | None, user_id: int
    ) -> tuple[Round | None, str]:
        """The open round a button in `chat_id` names, if `user_id` may steer it; else None
        and why not."""
        rnd = await self.ctx.store.rounds.get(round_id)
        ws = await self.ctx.store.workshops.get(rnd.workshop_id) if rnd else None
        if (
            rnd is None
            or ws is None
            or ws.chat_id != chat_id
            or rnd.status is not RoundStatus.OPEN
        ):
            return None, _(EARLIER_STEP)
        if not await self.steering.may_steer(ws, user_id):
            return None, _(NOT_ALLOWED)
        return rnd, ""

    async def steer(self, rnd: Round, op: RoundOp) -> None:
        """The facilitator's button: close now, or with too few raters extend the round or
        show the results anyway."""
        if op is RoundOp.CLOSE:
            await self.close(rnd.id)  # too few raters get asked
        elif op is RoundOp.EXTEND:
            await self.extend(rnd, EXTEND_TOO_FEW)
        else:
            await self.close(rnd.id, show_anyway=True)

    async def extend(self, rnd: Round, extra: timedelta) -> Round:
        deadline = max(rnd.deadline, utcnow()) + extra
        await self.ctx.store.rounds.set_deadline(rnd.id, deadline)
        await self._arm(rnd.id, rnd.opened_at, deadline)
        await self.progress.flush(rnd.id)
        found = await self.ctx.store.rounds.get(rnd.id)
        assert found is not None
        return found
