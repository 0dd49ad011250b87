"""Follow-up: plan owners and due dates, reminders, re-evaluation schedule, history."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.core.history import HistorySpec, Series, render_history
from bot.core.schedule import (
    DueError,
    ScheduleError,
    next_fire,
    parse_due,
    parse_schedule,
)
from bot.core.text import chunk_lines, shorten
from bot.domain import JobKind, Phase, RoundStatus
from handlers.flow import Flow
from handlers.permissions import sender_id
from handlers.rating import RatingFlow
from handlers.results import ResultsFlow, owner_due_text, show_date, user_label
from handlers.telegram import send_private
from storage.db import utcnow
from storage.models import PlanItem, Workshop

REMINDER_TIME = time(9, 0)


class FollowUp:
    """Jobs and helpers for the weeks after a workshop."""

    def __init__(self, flow: Flow, rating: RatingFlow, results: ResultsFlow) -> None:
        self.flow = flow
        self.ctx = flow.ctx
        self.rating = rating
        self.results = results
        self.ctx.scheduler.register(JobKind.DUE_REMINDER, self.due_reminders)
        self.ctx.scheduler.register(JobKind.SCHEDULED_ROUND, self.scheduled_round)

    async def today(self, chat_id: int) -> date:
        return utcnow().astimezone(ZoneInfo(await self.flow.zone(chat_id))).date()

    async def plan(self, chat_id: int) -> tuple[Workshop | None, list[PlanItem]]:
        ws = await self.ctx.store.workshops.latest(chat_id)
        if ws is None:
            return None, []
        return ws, await self.ctx.store.plans.current(ws.id)

    async def texts(self, workshop_id: int) -> dict[int, str]:
        """Touchpoint id -> text, for naming plan items."""
        return {tp.id: tp.text for tp in await self.ctx.store.touchpoints.live(workshop_id)}

    async def plan_text(self, chat_id: int) -> str:
        ws, items = await self.plan(chat_id)
        if ws is None or not items:
            return _("There is no action plan yet: it comes with the results of a rating round.")
        texts = await self.texts(ws.id)
        owners = await self.ctx.store.users.many([i.owner_id for i in items if i.owner_id])
        today = (await self.today(chat_id)).isoformat()
        lines = [_("🛠 <b>Action plan</b>")]
        for item in items:
            status = owner_due_text(item, owners)
            if item.due_date and item.due_date < today and item.done_at is None:
                status += " " + _("⏰ overdue")
            lines.append(f"{item.position}. <b>{escape(texts.get(item.touchpoint_id, '?'))}</b>")
            lines.append(f"   → {escape(item.action)}")
            lines.append("   " + (status or _("no owner or date yet")))
        return "\n".join(lines)

    # --- due reminders ---------------------------------------------------------------------

    async def arm_due(self, chat_id: int, due: date) -> None:
        """One reminder job per chat and day, at 09:00 local on the due date."""
        zone = ZoneInfo(await self.flow.zone(chat_id))
        when = datetime.combine(due, REMINDER_TIME, tzinfo=zone)
        await self.ctx.scheduler.schedule(
            JobKind.DUE_REMINDER, chat_id, max(when, utcnow()), due.isoformat()
        )

    async def due_reminders(self, chat_id: int) -> None:
        """Job: the owners privately, and the group in one line; each item only once."""
        ws, _items = await self.plan(chat_id)
        if ws is None:
            return
        due = await self.ctx.store.plans.due_unreminded(
            ws.id, (await self.today(chat_id)).isoformat()
        )
        if not due:
            return
        texts = await self.texts(ws.id)
        owners = await self.ctx.store.users.many([i.owner_id for i in due if i.owner_id])
        with self.ctx.speaking(ws.locale):
            listed = "; ".join(
                f"{i.position}. {escape(shorten(texts.get(i.touchpoint_id, '?'), 40))}"
                + (f" ({escape(user_label(owners[i.owner_id]))})" if i.owner_id in owners else "")
                for i in due
            )
            await self.ctx.bot.send_message(
                chat_id, _("📅 Due today: {items}. /done N when finished.").format(items=listed)
            )
        for item in due:
            owner = owners.get(item.owner_id) if item.owner_id else None
            if owner is None or not owner.started_bot or owner.blocked_bot:
                continue
            locale = self.ctx.locale_for(owner.language_code)
            with self.ctx.speaking(locale):
                sent = await send_private(
                    self.ctx.bot,
                    owner.id,
                    _("📅 Due today: <b>{touchpoint}</b>\n→ {action}").format(
                        touchpoint=escape(texts.get(item.touchpoint_id, "?")),
                        action=escape(item.action),
                    ),
                )
            if sent is None:
                await self.ctx.store.users.mark_blocked(owner.id)
        await self.ctx.store.plans.mark_reminded([i.id for i in due])

    # --- the re-evaluation schedule -----------------------------------------------------------

    def _prefix(self, chat_id: int) -> str:
        return f"{JobKind.SCHEDULED_ROUND.value}:{chat_id}:"

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
        zone = await self.flow.zone(chat_id)
        when = next_fire(spec, date.fromisoformat(saved.start_date), zone, utcnow())
        # One key per fire: a fire that ran is never confused with the next one.
        await scheduler.schedule(
            JobKind.SCHEDULED_ROUND, chat_id, when, str(int(when.timestamp()))
        )
        return when

    async def scheduled_round(self, chat_id: int) -> None:
        """Job: open a new round on the current touchpoints and list the open plan items.

        After an outage only one fire is pending, so missed fires run once, not once each.
        """
        saved = await self.ctx.store.schedules.get(chat_id)
        if saved is None:
            return
        ws = await self.ctx.store.workshops.latest(chat_id)
        opened = None
        if ws is not None and ws.phase is Phase.RESULTS:
            opened = await self.rating.open_round(ws)
        await self.ctx.store.schedules.fired(chat_id, utcnow())
        await self.arm_schedule(chat_id)
        if opened is None or ws is None:
            return
        _ws, items = await self.plan(chat_id)
        open_items = [i for i in items if i.done_at is None]
        if not open_items:
            return
        texts = await self.texts(ws.id)
        with self.ctx.speaking(ws.locale):
            lines = [_("🔁 Scheduled re-evaluation. Open plan items:")]
            lines += [
                f"{i.position}. {escape(shorten(texts.get(i.touchpoint_id, '?'), 50))} → "
                f"{escape(shorten(i.action, 90))}"
                for i in open_items
            ]
            for chunk in chunk_lines(lines):
                await self.ctx.bot.send_message(
                    chat_id,
                    chunk,
                    reply_to_message_id=opened.message_id,
                    allow_sending_without_reply=True,
                )


# --- handlers ------------------------------------------------------------------------------


async def _item(message: Message, follow: FollowUp, number: str | None) -> PlanItem | None:
    _ws, items = await follow.plan(message.chat.id)
    if not items:
        await message.reply(
            _("There is no action plan yet: it comes with the results of a rating round.")
        )
        return None
    if number is None or not number.lstrip("#").isdigit():
        return None
    found = next((i for i in items if i.position == int(number.lstrip("#"))), None)
    if found is None:
        await message.reply(_("There is no plan item {n}. See /plan.").format(n=number))
    return found


async def _may_edit(message: Message, follow: FollowUp, item: PlanItem | None = None) -> bool:
    ws = await follow.ctx.store.workshops.latest(message.chat.id)
    user_id = sender_id(message)
    if ws is not None and (
        await follow.flow.may_steer(ws, user_id) or (item is not None and item.owner_id == user_id)
    ):
        return True
    await message.reply(_("Only the facilitator or a chat admin can do that."))
    return False


async def show_plan(message: Message, follow: FollowUp) -> None:
    """/plan"""
    for chunk in chunk_lines((await follow.plan_text(message.chat.id)).split("\n")):
        await message.answer(chunk)


async def assign(message: Message, command: CommandObject, follow: FollowUp) -> None:
    """/assign N @user, or /assign N in reply to that user's message."""
    parts = (command.args or "").split()
    item = await _item(message, follow, parts[0] if parts else None)
    if item is None:
        if not parts or not parts[0].lstrip("#").isdigit():
            await message.reply(
                _("Usage: /assign N @user, or reply to their message with /assign N.")
            )
        return
    if not await _may_edit(message, follow):
        return
    store = follow.ctx.store
    reply = message.reply_to_message
    owner = None
    if reply is not None and reply.from_user is not None and not reply.from_user.is_bot:
        user = reply.from_user
        await store.users.seen(
            user.id, user.username, user.full_name, user.language_code, message.chat.id
        )
        owner = await store.users.get(user.id)
    elif len(parts) > 1 and parts[1].startswith("@"):
        owner = await store.users.member_by_username(message.chat.id, parts[1])
        if owner is None:
            await message.reply(
                _(
                    "I have not seen {user} in this chat yet. Ask them to write here once, or "
                    "reply to one of their messages with /assign {n}."
                ).format(user=escape(parts[1]), n=item.position)
            )
            return
    if owner is None:
        await message.reply(_("Usage: /assign N @user, or reply to their message with /assign N."))
        return
    await store.plans.set_owner(item.id, owner.id)
    await message.reply(
        _("👤 Item {n} goes to {user}.").format(n=item.position, user=escape(user_label(owner)))
    )


async def due(message: Message, command: CommandObject, follow: FollowUp) -> None:
    """/due N <date | 2w | 10d>"""
    parts = (command.args or "").split(maxsplit=1)
    item = await _item(message, follow, parts[0] if parts else None)
    if item is None or len(parts) < 2:
        if item is not None or not parts or not parts[0].lstrip("#").isdigit():
            await message.reply(_("Usage: /due N date, e.g. /due 2 15.12 or /due 2 2w."))
        return
    if not await _may_edit(message, follow, item):
        return
    try:
        when = parse_due(parts[1], await follow.today(message.chat.id))
    except DueError as exc:
        if exc.code == "past":
            await message.reply(_("That date is in the past. Pick today or a later day."))
        else:
            await message.reply(_("I could not read that date. Try 15.12, 2026-12-15, 10d or 2w."))
        return
    await follow.ctx.store.plans.set_due(item.id, when.isoformat())
    await follow.arm_due(message.chat.id, when)
    await message.reply(
        _("📅 Item {n} is due on {date}.").format(
            n=item.position, date=show_date(when.isoformat())
        )
    )


async def done(message: Message, command: CommandObject, follow: FollowUp) -> None:
    """/done N"""
    parts = (command.args or "").split()
    item = await _item(message, follow, parts[0] if parts else None)
    if item is None:
        if not parts or not parts[0].lstrip("#").isdigit():
            await message.reply(_("Usage: /done N (the number from /plan)."))
        return
    if not await _may_edit(message, follow, item):
        return
    await follow.ctx.store.plans.set_done(item.id, True)
    await message.reply(_("✅ Item {n} is done. Well done!").format(n=item.position))


async def schedule(message: Message, command: CommandObject, follow: FollowUp) -> None:
    """/schedule every Nd | weekly | monthly | quarterly [HH:MM] | off"""
    store = follow.ctx.store
    chat_id = message.chat.id
    if not command.args:
        saved = await store.schedules.get(chat_id)
        if saved is None:
            await message.reply(
                _(
                    "No re-evaluation is scheduled. Set one with /schedule weekly, monthly, "
                    "quarterly or every 14d, optionally with a time such as 10:00."
                )
            )
        else:
            await message.reply(_("Re-evaluation: {spec}.").format(spec=escape(saved.spec)))
        return
    ws = await store.workshops.latest(chat_id)
    if ws is None:
        await message.reply(_("Run a workshop first: /brainstorm."))
        return
    if not await _may_edit(message, follow):
        return
    try:
        spec = parse_schedule(command.args)
    except ScheduleError:
        await message.reply(
            _(
                "I could not read that schedule. Try weekly, monthly, quarterly, every 14d or "
                "off, optionally followed by a time such as 10:00."
            )
        )
        return
    if spec is None:
        await store.schedules.delete(chat_id)
        await follow.arm_schedule(chat_id)
        await message.reply(_("Scheduled re-evaluation is off."))
        return
    today = await follow.today(chat_id)
    await store.schedules.put(chat_id, spec.text(), spec.at.strftime("%H:%M"), today.isoformat())
    when = await follow.arm_schedule(chat_id)
    assert when is not None
    zone = ZoneInfo(await follow.flow.zone(chat_id))
    await message.reply(
        _("🔁 Re-evaluation {spec}. Next round opens on {when}.").format(
            spec=spec.text(), when=when.astimezone(zone).strftime("%d.%m.%Y %H:%M %Z")
        )
    )


async def history(message: Message, follow: FollowUp) -> None:
    """/history: each touchpoint's overall score across rounds, and the roundness."""
    store = follow.ctx.store
    ws = await store.workshops.latest(message.chat.id)
    rounds = (
        [
            r
            for r in await store.rounds.for_workshop(ws.id)
            if r.status is RoundStatus.CLOSED and r.results_shown
        ]
        if ws
        else []
    )
    if ws is None or not rounds:
        await message.reply(_("No results yet: they appear when a rating round closes."))
        return
    computed = [await follow.results.compute(r) for r in rounds]
    names: dict[int, str] = {}
    for res in computed:
        for item in res.items:
            names.setdefault(item.touchpoint_id, item.text)
    zone = ZoneInfo(await follow.flow.zone(message.chat.id))
    labels = [f"{r.number} · {(r.closed_at or r.deadline).astimezone(zone):%d.%m}" for r in rounds]
    values = {
        tp: [
            next((s.overall for s in res.score.spokes if s.touchpoint_id == tp), None)
            for res in computed
        ]
        for tp in names
    }
    spec = HistorySpec(
        title=(ws.topic or computed[-1].chat_title or "Touchwheel") + " · " + _("history"),
        rounds=labels,
        series=[Series(names[tp], values[tp]) for tp in names],
        roundness=[res.score.roundness for res in computed],
        score_axis=_("Overall score"),
        roundness_label=_("Roundness (right axis)"),
    )
    png = await asyncio.to_thread(render_history, spec)
    await message.answer_photo(
        BufferedInputFile(png, "history.png"),
        caption=_("📈 Trend across {n} rounds").format(n=len(rounds)),
    )
    roundness_label = _("Roundness")
    header = f"{'':<18}" + "".join(f"{'R' + str(r.number):>6}" for r in rounds)
    rows = [header]
    for tp, name in names.items():
        cells = "".join("     —" if v is None else f"{v:>6.1f}" for v in values[tp])
        rows.append(f"{shorten(name, 17):<18}{cells}")
    rows.append(
        f"{roundness_label:<18}" + "".join(f"{res.score.roundness:>6.0f}" for res in computed)
    )
    await message.answer("<pre>" + escape("\n".join(rows)) + "</pre>")


def make_router() -> Router:
    router = Router(name="followup")
    group = F.chat.type.in_({"group", "supergroup"})
    router.message.register(show_plan, Command("plan"), group)
    router.message.register(assign, Command("assign"), group)
    router.message.register(due, Command("due"), group)
    router.message.register(done, Command("done"), group)
    router.message.register(schedule, Command("schedule"), group)
    router.message.register(history, Command("history"), group)
    return router
