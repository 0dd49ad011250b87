"""Rating rounds: the group message, the private wizard, reminders and closing."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from html import escape

from aiogram import Bot, F, Router
from aiogram.enums import ChatMemberStatus
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.clock import format_left, format_local
from bot.core.text import shorten
from bot.core.wizard import next_open, progress_bar, step_for, step_of, total_steps
from bot.domain import CRITERIA, Criterion, JobKind, RoundStatus, Stage
from bot.scheduler import job_key
from handlers.board import BoardUpdater
from handlers.callbacks import RateAction, RateOp, RoundAction, RoundOp
from handlers.flow import Flow
from handlers.permissions import GROUP_ANONYMOUS_BOT_ID
from handlers.telegram import edit_text, send_private
from storage.db import utcnow
from storage.models import Round, RoundItem, Workshop

log = logging.getLogger(__name__)

RATE_PREFIX = "r_"
HALF_TIME_FROM = timedelta(minutes=2)
LAST_CALL = timedelta(minutes=10)
LAST_CALL_FROM = timedelta(minutes=20)
EXTEND_TOO_FEW = timedelta(minutes=10)
_STAGE_ORDER = {Stage.BEFORE: 0, Stage.DURING: 1, Stage.AFTER: 2, Stage.NONE: 3}
_MEMBER = {ChatMemberStatus.CREATOR, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}

RoundHook = Callable[[int], Awaitable[None]]


def criterion_name(criterion: Criterion) -> str:
    names = {
        Criterion.SIMPLICITY: _("Simplicity"),
        Criterion.CONVENIENCE: _("Convenience"),
        Criterion.SPEED: _("Response speed"),
    }
    return names[criterion]


def criterion_hint(criterion: Criterion) -> str:
    hints = {
        Criterion.SIMPLICITY: _(
            "How easy is it for the customer to find and use, without effort or help?"
        ),
        Criterion.CONVENIENCE: _(
            "How well does it suit the customer: their time, place and preferred way of contact?"
        ),
        Criterion.SPEED: _("How fast does the customer get an answer or a result here?"),
    }
    return hints[criterion]


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={user_id}">{escape(name)}</a>'


class RatingFlow:
    """Opening, reminding, progress and closing of rating rounds."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.ctx = flow.ctx
        self.progress = BoardUpdater(
            self.ctx.config.workshop.board_edit_seconds, self.render_round_message
        )
        self.closed_hooks: list[RoundHook] = []
        self.ctx.scheduler.register(JobKind.RATING_CLOSE, self.deadline)
        self.ctx.scheduler.register(JobKind.RATING_REMIND, self.remind)

    # --- opening -----------------------------------------------------------------------

    async def open_round(self, ws: Workshop, length: timedelta | None = None) -> Round | None:
        """A new round on the shortlisted touchpoints, grouped by stage; None if one is open."""
        store = self.ctx.store
        touchpoints = [tp for tp in await store.touchpoints.live(ws.id) if tp.shortlisted]
        if not touchpoints:
            return None
        touchpoints.sort(key=lambda tp: (_STAGE_ORDER[tp.stage], tp.number))
        length = length or timedelta(minutes=self.ctx.config.workshop.rating_minutes)
        deadline = utcnow() + length
        rnd = await store.rounds.open(
            ws.id, secrets.token_urlsafe(12), deadline, [tp.id for tp in touchpoints]
        )
        if rnd is None:
            return None
        text, markup = await self.round_message(rnd, ws)
        sent = await self.ctx.bot.send_message(ws.chat_id, text, reply_markup=markup)
        await store.rounds.set_message(rnd.id, sent.message_id)
        await self._arm(rnd.id, rnd.opened_at, deadline)
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

    async def expected(self, rnd: Round) -> tuple[set[int], set[int]]:
        """(who is expected to rate, who finished): the facilitator, named contributors and
        everyone who started."""
        raters = await self.ctx.store.rounds.raters(rnd.id)
        contributors = set(await self.ctx.store.touchpoints.contributors(rnd.workshop_id))
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is not None:
            contributors.add(ws.facilitator_id)
        contributors.discard(GROUP_ANONYMOUS_BOT_ID)
        expected = contributors | {r.user_id for r in raters}
        finished = {r.user_id for r in raters if r.finished_at is not None}
        return expected, finished

    async def round_message(
        self, rnd: Round, ws: Workshop
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        items = await self.ctx.store.rounds.items(rnd.id)
        expected, finished = await self.expected(rnd)
        zone = await self.flow.zone(ws.chat_id)
        with self.ctx.speaking(ws.locale):
            title = _("⭐ <b>Rating round {n}</b>").format(n=rnd.number)
            if ws.topic:
                title += f": {escape(ws.topic)}"
            lines = [title]
            if rnd.status is RoundStatus.OPEN:
                explain = _(
                    "Rate {touchpoints} from 0 to 10 on simplicity, convenience and response "
                    "speed, in a private chat with me. Nobody sees anyone else's answers."
                )
                count = ngettext("{n} touchpoint", "{n} touchpoints", len(items))
                lines.append(explain.format(touchpoints=count.format(n=len(items))))
                lines.append(
                    _("⏰ Until {end} ({left} left)").format(
                        end=format_local(rnd.deadline, zone),
                        left=format_left(max(rnd.deadline - utcnow(), timedelta()), ws.locale),
                    )
                )
            else:
                lines.append(_("🔒 Closed."))
            lines.append(
                _("👥 {done} of {expected} done").format(
                    done=len(finished), expected=max(len(expected), len(finished))
                )
            )
            markup = None
            if rnd.status is RoundStatus.OPEN:
                builder = InlineKeyboardBuilder()
                builder.button(text=_("⭐ Rate privately"), url=self.rate_url(rnd))
                markup = builder.as_markup()
        return "\n".join(lines), markup

    async def render_round_message(self, round_id: int) -> None:
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.message_id is None:
            return
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return
        text, markup = await self.round_message(rnd, ws)
        await edit_text(self.ctx.bot, ws.chat_id, rnd.message_id, text, markup)

    # --- the wizard ----------------------------------------------------------------------

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        try:
            member = await self.ctx.bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError:
            return False
        if member.status in _MEMBER:
            return True
        return member.status == ChatMemberStatus.RESTRICTED and bool(
            getattr(member, "is_member", False)
        )

    async def wizard_view(
        self, rnd: Round, ws: Workshop, user_id: int, step: int | None
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        """The wizard at `step` (None: the summary of this rater's answers)."""
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = await self.ctx.store.rounds.answers(rnd.id, user_id)
        total = total_steps(len(items))
        title = _("⭐ <b>Rating</b>")
        if ws.topic:
            title += f" · {escape(ws.topic)}"
        if step is None:
            return self._summary(rnd, ws, items, answers, title)
        index, criterion = step_of(step)
        item = items[index]
        current = answers.get((item.touchpoint_id, criterion), -1)
        lines = [
            title,
            _("Touchpoint {k} of {n}:").format(k=index + 1, n=len(items)),
            f"<b>{item.list_number}. {escape(item.text)}</b>",
            "",
            f"<b>{criterion_name(criterion)}</b>: {criterion_hint(criterion)}",
            "",
            f"{progress_bar(len(answers), total)} {len(answers)}/{total}",
        ]
        builder = InlineKeyboardBuilder()
        for value in range(11):
            label = f"•{value}•" if current == value else str(value)
            builder.button(
                text=label, callback_data=RateAction(op=RateOp.VALUE, r=rnd.id, s=step, v=value)
            )
        builder.button(
            text=_("◀ Back"), callback_data=RateAction(op=RateOp.BACK, r=rnd.id, s=step)
        )
        skip = _("Skip ⏭") if current is not None else _("• Skipped •")
        builder.button(text=skip, callback_data=RateAction(op=RateOp.SKIP, r=rnd.id, s=step))
        builder.adjust(6, 5, 2)
        return "\n".join(lines), builder.as_markup()

    def _summary(
        self,
        rnd: Round,
        ws: Workshop,
        items: list[RoundItem],
        answers: dict[tuple[int, Criterion], int | None],
        title: str,
    ) -> tuple[str, InlineKeyboardMarkup | None]:
        lines = [title, _("✅ <b>Your answers</b>"), ""]
        for item in items:
            values = []
            for criterion in CRITERIA:
                value = answers.get((item.touchpoint_id, criterion))
                values.append("—" if value is None else str(value))
            lines.append(
                f"{item.list_number}. {escape(shorten(item.text, 60))}: " + " · ".join(values)
            )
        lines.append("")
        lines.append(_("Order: simplicity · convenience · response speed; — means skipped."))
        if rnd.status is not RoundStatus.OPEN:
            lines.append(_("The round is closed. Thank you!"))
            return "\n".join(lines), None
        lines.append(_("You can change any answer until the round closes: tap its number."))
        builder = InlineKeyboardBuilder()
        for index, item in enumerate(items):
            builder.button(
                text=f"✏️ {item.list_number}",
                callback_data=RateAction(
                    op=RateOp.CHANGE, r=rnd.id, s=step_for(index, Criterion.SIMPLICITY)
                ),
            )
        builder.adjust(5)
        return "\n".join(lines), builder.as_markup()

    async def answered_steps(self, rnd: Round, user_id: int) -> tuple[int, set[int]]:
        """(number of steps, the steps this rater has answered, skips included)."""
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = await self.ctx.store.rounds.answers(rnd.id, user_id)
        answered = {
            step_for(i, c)
            for i, it in enumerate(items)
            for c in CRITERIA
            if (it.touchpoint_id, c) in answers
        }
        return total_steps(len(items)), answered

    async def first_open_step(self, rnd: Round, user_id: int) -> int | None:
        total, answered = await self.answered_steps(rnd, user_id)
        return next_open(answered, total)

    async def after_answer(self, rnd: Round, user_id: int, step: int) -> int | None:
        """Where the wizard goes after `step`: the rest of this spoke, then the next gap."""
        total, answered = await self.answered_steps(rnd, user_id)
        nxt = step + 1
        if nxt < total and step_of(nxt)[0] == step_of(step)[0]:
            return nxt
        found = next_open(answered, total, after=step)
        if found is None and len(answered) == total:
            await self.mark_finished(rnd, user_id)
        return found

    async def mark_finished(self, rnd: Round, user_id: int) -> None:
        rater = await self.ctx.store.rounds.rater(rnd.id, user_id)
        if rater is None or rater.finished_at is not None:
            return
        await self.ctx.store.rounds.set_finished(rnd.id, user_id, True)
        self.progress.touch(rnd.id)
        expected, finished = await self.expected(rnd)
        enough = len(finished) >= self.ctx.config.workshop.min_raters
        if expected <= finished and enough:
            await self.close(rnd.id)

    # --- reminders and closing -------------------------------------------------------------

    async def remind(self, round_id: int) -> None:
        """Job: one group line naming who has not finished, and a private nudge."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.status is not RoundStatus.OPEN:
            return
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return
        expected, finished = await self.expected(rnd)
        missing = sorted(expected - finished)
        if not missing:
            return
        users = await self.ctx.store.users.many(missing)
        left = max(rnd.deadline - utcnow(), timedelta())
        with self.ctx.speaking(ws.locale):
            names = ", ".join(
                mention(uid, users[uid].full_name if uid in users else str(uid)) for uid in missing
            )
            await self.ctx.bot.send_message(
                ws.chat_id,
                _("⏳ Rating closes in {left}. Still to finish: {names}").format(
                    left=format_left(left, ws.locale), names=names
                ),
                reply_to_message_id=rnd.message_id,
                allow_sending_without_reply=True,
            )
        started = {r.user_id for r in await self.ctx.store.rounds.raters(rnd.id)}
        for uid in missing:
            user = users.get(uid)
            if uid not in started or user is None or user.blocked_bot:
                continue
            locale = self.ctx.locale_for(user.language_code)
            with self.ctx.speaking(locale):
                builder = InlineKeyboardBuilder()
                builder.button(text=_("⭐ Continue rating"), url=self.rate_url(rnd))
                sent = await send_private(
                    self.ctx.bot,
                    uid,
                    _("Your rating is not finished yet; it closes in {left}.").format(
                        left=format_left(left, locale)
                    ),
                    builder.as_markup(),
                )
            if sent is None:
                await self.ctx.store.users.mark_blocked(uid)

    async def deadline(self, round_id: int) -> None:
        """Job: the round's time is up."""
        await self.close(round_id)

    async def close(self, round_id: int, *, show_anyway: bool = False) -> bool:
        """Close the round, or ask the facilitator when too few people rated."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None or rnd.status is not RoundStatus.OPEN:
            return False
        ws = await self.ctx.store.workshops.get(rnd.workshop_id)
        if ws is None:
            return False
        count = await self.ctx.store.rounds.rater_count(rnd.id)
        needed = self.ctx.config.workshop.min_raters
        if count < needed and not show_anyway:
            with self.ctx.speaking(ws.locale):
                builder = InlineKeyboardBuilder()
                builder.button(
                    text=_("⏰ +{n} min").format(n=int(EXTEND_TOO_FEW.total_seconds() // 60)),
                    callback_data=RoundAction(op=RoundOp.EXTEND, r=rnd.id),
                )
                builder.button(
                    text=_("📊 Show results anyway"),
                    callback_data=RoundAction(op=RoundOp.SHOW, r=rnd.id),
                )
                await self.ctx.bot.send_message(
                    ws.chat_id,
                    _(
                        "Only {count} of the {needed} people needed have rated so far. "
                        "Facilitator: give it more time, or show the results anyway?"
                    ).format(count=count, needed=needed),
                    reply_markup=builder.as_markup(),
                )
            return False
        if not await self.ctx.store.rounds.close(
            rnd.id, show_anyway=show_anyway or count >= needed
        ):
            return False
        await self.ctx.scheduler.cancel(
            [
                job_key(JobKind.RATING_CLOSE, rnd.id),
                *(job_key(JobKind.RATING_REMIND, rnd.id, s) for s in ("half", "last")),
            ]
        )
        await self.progress.flush(rnd.id)
        for hook in self.closed_hooks:
            await hook(rnd.id)
        return True

    async def extend(self, rnd: Round, extra: timedelta) -> Round:
        deadline = max(rnd.deadline, utcnow()) + extra
        await self.ctx.store.rounds.set_deadline(rnd.id, deadline)
        await self._arm(rnd.id, rnd.opened_at, deadline)
        await self.progress.flush(rnd.id)
        found = await self.ctx.store.rounds.get(rnd.id)
        assert found is not None
        return found

    async def open_round_of(self, ws: Workshop) -> Round | None:
        rounds = await self.ctx.store.rounds.for_workshop(ws.id)
        return next((r for r in rounds if r.status is RoundStatus.OPEN), None)


# --- handlers ---------------------------------------------------------------------------------


async def open_wizard(
    message: Message, command: CommandObject, bot: Bot, rating: RatingFlow
) -> None:
    """/start r_<token>: check membership, then show the first unanswered step."""
    store = rating.ctx.store
    user = message.from_user
    rnd = await store.rounds.by_token((command.args or "").removeprefix(RATE_PREFIX))
    ws = await store.workshops.get(rnd.workshop_id) if rnd else None
    if user is None or rnd is None or ws is None:
        await message.answer(
            _("This link is not valid or has expired. Ask in your group for a fresh one.")
        )
        return
    await store.users.seen(
        user.id, user.username, user.full_name, user.language_code, started=True
    )
    if not await rating.is_member(ws.chat_id, user.id):
        await message.answer(
            _(
                "Sorry, this rating is for members of the group that runs it. Ask to be added "
                "to the group first."
            )
        )
        return
    if rnd.status is not RoundStatus.OPEN:
        await message.answer(
            _("This rating round is closed. /results in the group shows the outcome.")
        )
        return
    await store.rounds.start_rater(rnd.id, user.id)
    rating.progress.touch(rnd.id)
    step = await rating.first_open_step(rnd, user.id)
    text, markup = await rating.wizard_view(rnd, ws, user.id, step)
    sent = await message.answer(text, reply_markup=markup)
    await store.rounds.set_wizard_message(rnd.id, user.id, sent.message_id)


async def wizard_button(
    query: CallbackQuery, callback_data: RateAction, rating: RatingFlow
) -> None:
    """A tap in the wizard: committed before the message moves on."""
    store = rating.ctx.store
    rnd = await store.rounds.get(callback_data.r)
    user_id = query.from_user.id
    in_private = query.message is not None and query.message.chat.id == user_id
    rater = await store.rounds.rater(callback_data.r, user_id) if rnd else None
    if rnd is None or rater is None or not in_private:
        await query.answer(_("This rating form is not yours or no longer valid."), show_alert=True)
        return
    ws = await store.workshops.get(rnd.workshop_id)
    items = await store.rounds.items(rnd.id)
    total = total_steps(len(items))
    step = callback_data.s
    if ws is None or not 0 <= step < total:
        await query.answer(_("This rating form is not yours or no longer valid."), show_alert=True)
        return
    if rnd.status is not RoundStatus.OPEN:
        await query.answer(_("This round is closed; your answers were counted."), show_alert=True)
        return
    op = callback_data.op
    index, criterion = step_of(step)
    target: int | None = step
    if op is RateOp.VALUE or op is RateOp.SKIP:
        value = callback_data.v if op is RateOp.VALUE else None
        if value is not None and not 0 <= value <= 10:
            await query.answer(_("That is not a valid answer."), show_alert=True)
            return
        saved = await store.rounds.answer(
            rnd.id, items[index].touchpoint_id, user_id, criterion, value
        )
        if not saved:
            await query.answer(
                _("This round is closed; your answers were counted."), show_alert=True
            )
            return
        target = await rating.after_answer(rnd, user_id, step)
        await query.answer(_("Saved: {value}").format(value="—" if value is None else value))
    elif op is RateOp.BACK:
        target = max(0, step - 1)
        await query.answer()
    else:  # CHANGE
        await query.answer()
    rnd = await store.rounds.get(rnd.id) or rnd
    text, markup = await rating.wizard_view(rnd, ws, user_id, target)
    if isinstance(query.message, Message):
        await edit_text(rating.ctx.bot, user_id, query.message.message_id, text, markup)


async def round_button(
    query: CallbackQuery, callback_data: RoundAction, flow: Flow, rating: RatingFlow
) -> None:
    """Too few raters: the facilitator extends the round or shows the results anyway."""
    store = flow.ctx.store
    rnd = await store.rounds.get(callback_data.r)
    ws = await store.workshops.get(rnd.workshop_id) if rnd else None
    chat_id = query.message.chat.id if query.message else None
    if rnd is None or ws is None or ws.chat_id != chat_id or rnd.status is not RoundStatus.OPEN:
        await query.answer(_("This button belongs to an earlier step."), show_alert=True)
        return
    if not await flow.may_steer(ws, query.from_user.id):
        await query.answer(_("Only the facilitator or a chat admin can do that."), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
    if callback_data.op is RoundOp.EXTEND:
        await rating.extend(rnd, EXTEND_TOO_FEW)
    else:
        await rating.close(rnd.id, show_anyway=True)


def make_router() -> Router:
    router = Router(name="rating")
    router.message.register(
        open_wizard,
        CommandStart(deep_link=True, magic=F.args.startswith(RATE_PREFIX)),
        F.chat.type == "private",
    )
    router.callback_query.register(wizard_button, RateAction.filter())
    router.callback_query.register(round_button, RoundAction.filter())
    return router
