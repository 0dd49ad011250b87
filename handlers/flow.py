"""The brainstorm's life: start, board, extend, warnings, the bell, cancel."""

from __future__ import annotations

import contextlib
import logging
import secrets
from datetime import datetime, timedelta
from html import escape

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.context import AppContext
from bot.core.clock import format_left
from bot.core.text import chunk_lines
from bot.domain import JobKind, Phase
from bot.scheduler import job_key
from handlers.board import (
    BoardUpdater,
    board_markup,
    board_text,
    counts_line,
    touchpoint_line,
)
from handlers.callbacks import ReviewAction, ReviewOp
from handlers.permissions import AdminCache
from handlers.telegram import edit_text
from storage.db import utcnow
from storage.models import Workshop

log = logging.getLogger(__name__)

WARNINGS = (timedelta(minutes=5), timedelta(minutes=1))
# A warning that comes this close to the bell (e.g. after a restart) is skipped.
WARNING_SLACK = timedelta(seconds=20)
IDEA_BOX_PREFIX = "i_"


class Flow:
    """Phase changes and the messages that go with them, shared by handlers and jobs."""

    def __init__(self, ctx: AppContext, admins: AdminCache) -> None:
        self.ctx = ctx
        self.admins = admins
        self.boards = BoardUpdater(ctx.config.workshop.board_edit_seconds, self.render_board)
        ctx.scheduler.register(JobKind.BRAINSTORM_END, self.finish_brainstorm)
        ctx.scheduler.register(JobKind.BRAINSTORM_WARN, self.warn)

    # --- helpers ------------------------------------------------------------------------

    async def zone(self, chat_id: int) -> str:
        chat = await self.ctx.store.chats.get(chat_id)
        return (chat.timezone if chat else None) or self.ctx.config.locale.timezone

    async def may_steer(self, ws: Workshop, user_id: int) -> bool:
        """The facilitator and the chat's admins may steer a workshop."""
        if user_id == ws.facilitator_id:
            return True
        return await self.admins.is_admin(self.ctx.bot, ws.chat_id, user_id)

    def idea_box_url(self, ws: Workshop) -> str:
        return self.ctx.deep_link(f"{IDEA_BOX_PREFIX}{ws.idea_token}")

    # --- the board ------------------------------------------------------------------------

    async def render_board(self, workshop_id: int) -> None:
        ws = await self.ctx.store.workshops.get(workshop_id)
        if ws is None or ws.board_message_id is None:
            return
        touchpoints = await self.ctx.store.touchpoints.live(ws.id)
        contributors = await self.ctx.store.touchpoints.contributor_count(ws.id)
        zone = await self.zone(ws.chat_id)
        with self.ctx.speaking(ws.locale):
            text = board_text(ws, touchpoints, contributors, zone, utcnow())
            markup = board_markup(ws, self.idea_box_url(ws))
        await edit_text(self.ctx.bot, ws.chat_id, ws.board_message_id, text, markup)

    async def tick(self) -> None:
        """Keep the countdown on every running board roughly current."""
        for ws in await self.ctx.store.workshops.in_phase(Phase.BRAINSTORM):
            self.boards.touch(ws.id)

    # --- start, extend, finish, cancel ----------------------------------------------------

    async def start_brainstorm(
        self, chat_id: int, user_id: int, locale: str, duration: timedelta, topic: str
    ) -> Workshop | None:
        """Create the workshop, post and pin the board, arm the timers (None: one is active)."""
        deadline = utcnow() + duration
        ws = await self.ctx.store.workshops.create(
            chat_id, topic, user_id, locale, secrets.token_urlsafe(12), deadline
        )
        if ws is None:
            return None
        zone = await self.zone(chat_id)
        with self.ctx.speaking(ws.locale):
            board = await self.ctx.bot.send_message(
                chat_id,
                board_text(ws, [], 0, zone, utcnow()),
                reply_markup=board_markup(ws, self.idea_box_url(ws)),
            )
        await self.ctx.store.workshops.set_board(ws.id, board.message_id)
        await self._arm_timers(ws.id, deadline, duration)
        if await self.admins.can_pin(self.ctx.bot, chat_id):
            try:
                await self.ctx.bot.pin_chat_message(
                    chat_id, board.message_id, disable_notification=True
                )
            except TelegramBadRequest as exc:
                log.info("cannot pin the board in %s: %s", chat_id, exc.message)
        found = await self.ctx.store.workshops.get(ws.id)
        return found or ws

    async def _arm_timers(self, workshop_id: int, deadline: datetime, length: timedelta) -> None:
        scheduler = self.ctx.scheduler
        await scheduler.schedule(JobKind.BRAINSTORM_END, workshop_id, deadline)
        now = utcnow()
        for before in WARNINGS:
            suffix = str(int(before.total_seconds() // 60))
            when = deadline - before
            if length > before and when > now:
                await scheduler.schedule(JobKind.BRAINSTORM_WARN, workshop_id, when, suffix)
            else:
                await scheduler.cancel([job_key(JobKind.BRAINSTORM_WARN, workshop_id, suffix)])

    async def extend(self, ws: Workshop, extra: timedelta) -> Workshop:
        """Push the bell back by `extra` and re-arm the warnings."""
        base = max(ws.deadline or utcnow(), utcnow())
        deadline = base + extra
        await self.ctx.store.workshops.set_deadline(ws.id, deadline)
        await self._arm_timers(ws.id, deadline, deadline - utcnow())
        await self.boards.flush(ws.id)
        found = await self.ctx.store.workshops.get(ws.id)
        assert found is not None
        return found

    async def warn(self, workshop_id: int) -> None:
        """Job: "5 minutes left", unless the bell is (nearly) here or the phase moved on."""
        ws = await self.ctx.store.workshops.get(workshop_id)
        if ws is None or ws.phase is not Phase.BRAINSTORM or ws.deadline is None:
            return
        left = ws.deadline - utcnow()
        if left < WARNING_SLACK:
            return
        with self.ctx.speaking(ws.locale):
            await self.ctx.bot.send_message(
                ws.chat_id,
                _("⏳ {left} left in the brainstorm. Last ideas, please!").format(
                    left=format_left(left, ws.locale)
                ),
                reply_to_message_id=ws.board_message_id,
                allow_sending_without_reply=True,
            )
        self.boards.touch(ws.id)

    async def finish_brainstorm(self, workshop_id: int) -> None:
        """The bell (job, /finish or button): freeze the list and post it for review."""
        moved = await self.ctx.store.workshops.set_phase(
            workshop_id, Phase.REVIEW, expected=[Phase.BRAINSTORM]
        )
        if not moved:
            return
        await self._disarm(workshop_id)
        await self.boards.flush(workshop_id)
        ws = await self.ctx.store.workshops.get(workshop_id)
        assert ws is not None
        await self._unpin(ws)
        await self.post_list(ws, final=True)

    async def cancel(self, ws: Workshop) -> bool:
        moved = await self.ctx.store.workshops.set_phase(
            ws.id, Phase.CANCELLED, expected=[Phase.BRAINSTORM, Phase.REVIEW, Phase.RATING]
        )
        if moved:
            await self._disarm(ws.id)
            await self.boards.flush(ws.id)
            await self._unpin(ws)
        return moved

    async def _disarm(self, workshop_id: int) -> None:
        await self.ctx.scheduler.cancel(
            [
                job_key(JobKind.BRAINSTORM_END, workshop_id),
                *(
                    job_key(
                        JobKind.BRAINSTORM_WARN, workshop_id, str(int(b.total_seconds() // 60))
                    )
                    for b in WARNINGS
                ),
            ]
        )

    async def _unpin(self, ws: Workshop) -> None:
        if ws.board_message_id is None:
            return
        # Not pinned, or no right to unpin: either way there is nothing to do.
        with contextlib.suppress(TelegramAPIError):
            await self.ctx.bot.unpin_chat_message(ws.chat_id, message_id=ws.board_message_id)

    # --- the list -------------------------------------------------------------------------

    async def post_list(self, ws: Workshop, *, final: bool = False) -> None:
        """The whole numbered list, split over messages when long; review buttons last."""
        touchpoints = await self.ctx.store.touchpoints.live(ws.id)
        contributors = await self.ctx.store.touchpoints.contributor_count(ws.id)
        with self.ctx.speaking(ws.locale):
            head = _("🔔 <b>Time is up!</b>") if final else _("📋 <b>Touchpoints</b>")
            if ws.topic:
                head += f" {escape(ws.topic)}"
            lines = [head, counts_line(len(touchpoints), contributors), ""]
            lines.extend(touchpoint_line(tp, width=200) for tp in touchpoints)
            if not touchpoints:
                lines.append(_("The list is empty."))
            markup = None
            if ws.phase is Phase.REVIEW and touchpoints:
                lines.append("")
                lines.append(
                    _(
                        "The facilitator can now edit the list (/drop N, /merge N M, "
                        "/rename N text) and then shortlist and rate."
                    )
                )
                markup = self.review_markup(ws)
            chunks = chunk_lines(lines)
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1
                await self.ctx.bot.send_message(
                    ws.chat_id, chunk, reply_markup=markup if last else None
                )

    def review_markup(self, ws: Workshop) -> InlineKeyboardMarkup:
        builder = InlineKeyboardBuilder()
        builder.button(
            text=_("⭐ Shortlist & rate"),
            callback_data=ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id),
        )
        builder.button(
            text=_("✏️ Edit list"), callback_data=ReviewAction(op=ReviewOp.EDIT, ws=ws.id)
        )
        return builder.as_markup()
