"""Follow-up: plan owners and due dates, due reminders, the re-evaluation schedule, history."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardMarkup
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.core.effect import done_marks
from bot.core.filenames import file_name
from bot.core.ideas import normalise
from bot.core.plan import action_for
from bot.core.playbook import load_playbook
from bot.core.schedule import ScheduleSpec, next_fire, one_period_after, parse_schedule
from bot.core.text import chunk_lines
from bot.domain import Choice, JobKind, Phase
from bot.services.rating import RatingService
from bot.services.render import Renderer
from bot.services.results import ResultsService, past
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.services.telegram import send_private
from bot.views import followup as views
from bot.views import pictures
from bot.views.common import NO_PLAN
from bot.views.plan import shown
from storage.db import utcnow
from storage.models import PlanItem, Schedule, User, Workshop

REMINDER_TIME = time(9, 0)


@dataclass(eq=False)
class FollowUpService:
    """The weeks after a workshop: the plan, its reminders, re-rating and the trend."""

    ctx: AppContext
    settings: ChatSettings
    steering: Steering
    rating: RatingService
    results: ResultsService
    renderer: Renderer

    async def today(self, chat_id: int) -> date:
        return await self.settings.today(chat_id)

    async def workshop(self, chat_id: int) -> Workshop | None:
        """The chat's latest workshop (in any forum topic): the one its plan, schedule and
        history follow."""
        return await self.ctx.store.workshops.latest(chat_id, any_topic=True)

    async def plan_workshop(self, chat_id: int) -> Workshop | None:
        """The workshop whose plan is the team's: the newest one that has a plan (a new
        workshop takes over once it publishes its own), else the latest."""
        store = self.ctx.store
        return await store.workshops.with_plan(chat_id) or await self.workshop(chat_id)

    async def plan(self, chat_id: int) -> tuple[Workshop | None, list[PlanItem]]:
        """The team's plan and the workshop it belongs to."""
        ws = await self.plan_workshop(chat_id)
        if ws is None:
            return None, []
        return ws, await self.ctx.store.plans.current(ws.id)

    async def texts(self, workshop_id: int) -> dict[int, str]:
        """Touchpoint id -> text, for naming plan items."""
        return {tp.id: tp.text for tp in await self.ctx.store.touchpoints.live(workshop_id)}

    async def plan_view(
        self, chat_id: int, *, every: bool = False
    ) -> tuple[list[str], InlineKeyboardMarkup | None]:
        """/plan (or /plan all): the plan's lines and its buttons; no plan, a line saying so."""
        ws, items = await self.plan(chat_id)
        if ws is None or not items:
            return [_(NO_PLAN)], None
        return await self.results.plan_message(ws, items, every=every)

    async def plan_item(self, chat_id: int, item_id: int) -> PlanItem | None:
        """An item of the chat's current plan by id (a button from an old plan: None)."""
        _ws, items = await self.plan(chat_id)
        return next((i for i in items if i.id == item_id), None)

    async def rechoose(self, item: PlanItem, choice: Choice) -> str:
        """Store the team's choice for an item and the action it leads to (not one another
        item of the plan has)."""
        ws = await self.ctx.store.workshops.get(item.workshop_id)
        assert ws is not None
        text = (await self.texts(ws.id)).get(item.touchpoint_id, "")
        others = {i.action for i in await self.ctx.store.plans.for_round(item.round_id)}
        others.discard(item.action)
        action, suggestion = action_for(
            load_playbook(), text, item.criterion, ws.locale, choice, others
        )
        await self.ctx.store.plans.choose(item.id, action, replace(choice, suggestion=suggestion))
        return action

    async def next_suggestion(self, item: PlanItem) -> str:
        return await self.rechoose(item, Choice(item.channel, item.suggestion + 1))

    async def set_channel(self, chat_id: int, item: PlanItem, channel: str) -> str:
        """File the item under `channel`; the same or a near-identical touchpoint in this
        chat gets it too, in later rounds and workshops."""
        ws = await self.ctx.store.workshops.get(item.workshop_id)
        text = (await self.texts(ws.id)).get(item.touchpoint_id, "") if ws else ""
        if text:
            await self.ctx.store.plans.correct_channel(chat_id, normalise(text), channel)
        return await self.rechoose(item, Choice(channel, 0))

    async def own_action(self, item: PlanItem, text: str) -> str:
        return await self.rechoose(item, Choice(item.channel, item.suggestion, text))

    # --- owners, dates, done ----------------------------------------------------------------

    async def may_edit(self, chat_id: int, user_id: int, item: PlanItem | None = None) -> bool:
        """The facilitator (of the plan's workshop) and admins may edit the plan; an item's
        owner may edit their item."""
        ws = await self.plan_workshop(chat_id)
        if ws is None:
            return False
        return await self.steering.may_steer(ws, user_id) or (
            item is not None and item.owner_id == user_id
        )

    async def member_seen(self, chat_id: int, user: TelegramUser) -> User | None:
        """Someone whose message was replied to: remembered as a member, then returned."""
        await self.ctx.store.users.seen(
            user.id, user.username, user.full_name, user.language_code, chat_id
        )
        return await self.ctx.store.users.get(user.id)

    async def member_named(self, chat_id: int, username: str) -> User | None:
        """A member of the chat the bot has seen, by @username."""
        return await self.ctx.store.users.member_by_username(chat_id, username)

    async def assign(self, item: PlanItem, owner: User) -> None:
        await self.ctx.store.plans.set_owner(item.id, owner.id)

    async def set_due(self, chat_id: int, item: PlanItem, due: date) -> None:
        """A due date, and its reminder at 09:00 local on that day."""
        await self.ctx.store.plans.set_due(item.id, due.isoformat())
        await self.arm_due(chat_id, due)

    async def done(self, item: PlanItem) -> None:
        await self.ctx.store.plans.set_done(item.id, True)

    async def arm_due(self, chat_id: int, due: date) -> None:
        """One reminder job per chat and day, at 09:00 local on the due date."""
        zone = ZoneInfo(await self.settings.zone(chat_id))
        when = datetime.combine(due, REMINDER_TIME, tzinfo=zone)
        await self.ctx.scheduler.schedule(
            JobKind.DUE_REMINDER, chat_id, max(when, utcnow()), due.isoformat()
        )

    async def paused(self, chat_id: int) -> bool:
        """The bot was removed from the chat: reminders and scheduled rounds wait."""
        chat = await self.ctx.store.chats.get(chat_id)
        return chat is not None and (chat.paused or chat.migrated_to is not None)

    async def due_reminders(self, chat_id: int) -> None:
        """Job: the group in one line (split when long), and the owners privately; each item
        only once. Every message is marked as it goes out, so a run repeated after a failure
        sends only what did not go out. In a chat the bot was removed from, nothing is sent
        or marked: the items wait."""
        if await self.paused(chat_id):
            return
        ws, _items = await self.plan(chat_id)
        if ws is None:
            return
        due = await self.ctx.store.plans.due_unreminded(
            ws.id, (await self.today(chat_id)).isoformat()
        )
        if not due:
            return
        once = self.ctx.scheduler.once
        texts = await self.texts(ws.id)
        owners = await self.ctx.store.users.many([i.owner_id for i in due if i.owner_id])
        with self.ctx.speaking(ws.locale):
            chunks = views.due_today_group(due, texts, owners)
        for n, chunk in enumerate(chunks):
            await once(
                f"group:{n}",
                self.ctx.bot.send_message,
                chat_id,
                chunk,
                message_thread_id=ws.thread_id,
            )
        for item in due:
            owner = owners.get(item.owner_id) if item.owner_id else None
            if owner is None or not owner.started_bot or owner.blocked_bot:
                continue
            text = texts.get(item.touchpoint_id, "?")
            await once(f"owner:{item.id}", self._remind_owner, owner, text, item.action)
        await self.ctx.store.plans.mark_reminded([i.id for i in due])

    async def _remind_owner(self, owner: User, touchpoint: str, action: str) -> None:
        with self.ctx.speaking(self.ctx.locale_for(owner.language_code)):
            text = views.due_today_private(touchpoint, action)
        if await send_private(self.ctx.bot, owner.id, text) is None:
            await self.ctx.store.users.mark_blocked(owner.id)

    # --- the re-evaluation schedule -----------------------------------------------------------

    async def schedule_of(self, chat_id: int) -> Schedule | None:
        return await self.ctx.store.schedules.get(chat_id)

    def _prefix(self, chat_id: int) -> str:
        return f"{JobKind.SCHEDULED_ROUND.value}:{chat_id}:"

    async def set_schedule(self, chat_id: int, spec: ScheduleSpec | None) -> datetime | None:
        """Store (or with None, remove) the chat's schedule; the next fire in local time."""
        store = self.ctx.store
        if spec is None:
            await store.schedules.delete(chat_id)
            await self.arm_schedule(chat_id)
            return None
        # Counted from the last round: the first re-evaluation comes one period after it.
        start = await self.last_round_day(chat_id) or await self.today(chat_id)
        await store.schedules.put(
            chat_id, spec.text(), spec.at.strftime("%H:%M"), start.isoformat()
        )
        when = await self.arm_schedule(chat_id)
        assert when is not None
        return when.astimezone(ZoneInfo(await self.settings.zone(chat_id)))

    async def arm_schedule(self, chat_id: int) -> datetime | None:
        """Replace the chat's pending fire with the next one after now."""
        scheduler = self.ctx.scheduler
        await scheduler.cancel(
            await self.ctx.store.jobs.pending_with_prefix(self._prefix(chat_id))
        )
        saved = await self.ctx.store.schedules.get(chat_id)
        spec = parse_schedule(saved.spec) if saved else None
        if saved is None or spec is None or saved.start_date is None:
            return None
        zone = await self.settings.zone(chat_id)
        last = await self.last_round_day(chat_id)
        not_before = one_period_after(spec, last) if last else None
        when = next_fire(spec, date.fromisoformat(saved.start_date), zone, utcnow(), not_before)
        # One key per fire: a fire that ran is never confused with the next one.
        await scheduler.schedule(
            JobKind.SCHEDULED_ROUND, chat_id, when, str(int(when.timestamp()))
        )
        return when

    async def last_round_day(self, chat_id: int) -> date | None:
        """The chat's day on which its latest round closed (or opened, while it is open)."""
        ws = await self.workshop(chat_id)
        rounds = await self.ctx.store.rounds.for_workshop(ws.id) if ws else []
        if not rounds:
            return None
        moment = rounds[-1].closed_at or rounds[-1].opened_at
        return moment.astimezone(ZoneInfo(await self.settings.zone(chat_id))).date()

    async def scheduled_round(self, chat_id: int) -> None:
        """Job: open a new round on the current touchpoints and list the open plan items.

        After an outage only one fire is pending, so missed fires run once, not once each.
        """
        saved = await self.ctx.store.schedules.get(chat_id)
        if saved is None or await self.paused(chat_id):
            return  # paused: being added back arms the next fire
        ws = await self.workshop(chat_id)
        opened = None
        if ws is not None and ws.phase is Phase.RESULTS:
            opened = await self.rating.open_round(ws)
        await self.ctx.store.schedules.fired(chat_id, utcnow())
        await self.arm_schedule(chat_id)
        if opened is None or ws is None:
            return
        plan_ws, items = await self.plan(chat_id)
        # What the team took on: the short plan (not every strong spoke's item), still open.
        open_items = [i for i in shown(items, every=False) if i.done_at is None]
        if not open_items or plan_ws is None:
            return
        texts = await self.texts(plan_ws.id)
        with self.ctx.speaking(ws.locale):
            for chunk in chunk_lines(views.reevaluation_lines(open_items, texts)):
                await self.ctx.bot.send_message(
                    chat_id,
                    chunk,
                    message_thread_id=ws.thread_id,
                    reply_to_message_id=opened.message_id,
                    allow_sending_without_reply=True,
                )

    # --- history ------------------------------------------------------------------------------

    async def history(self, chat_id: int) -> tuple[str, bytes, str, str] | None:
        """The trend chart's file name and picture, its caption and the table (None: no
        shown results yet)."""
        store = self.ctx.store
        ws = await self.workshop(chat_id)
        if ws is None:
            return None
        rounds = await self.results.shown_rounds(ws.id)
        if not rounds:
            return None
        computed = [await self.results.compute(r) for r in rounds]
        zone = ZoneInfo(await self.settings.zone(chat_id))
        labels = [
            pictures.round_label(r.number, (r.closed_at or r.deadline).astimezone(zone))
            for r in rounds
        ]
        series = pictures.in_list_order(views.history_series(computed), computed)
        roundness = [res.score.roundness for res in computed]
        name = ws.topic or computed[-1].chat_title or "Touchwheel"
        numbers = {r.id: r.number for r in await store.rounds.for_workshop(ws.id)}
        plan = await store.plans.for_workshop(ws.id)
        done = done_marks([past(i, numbers[i.round_id]) for i in plan], [r.number for r in rounds])
        spec = pictures.history(name, labels, series, roundness, done)
        png = await self.renderer.history(spec)
        return (
            file_name(rounds[-1].number, "history"),
            png,
            views.history_caption(len(rounds)),
            views.history_table(rounds, series, roundness),
        )
