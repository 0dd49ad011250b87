"""When a chat itself changes: Telegram moves a group to a supergroup, the bot is removed
from a chat and added back, people join and leave."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.domain import JobKind, Phase
from bot.services.brainstorm import BrainstormService
from bot.services.followup import FollowUpService

log = logging.getLogger(__name__)

CHAT_JOBS = (JobKind.SCHEDULED_ROUND, JobKind.DUE_REMINDER)  # keyed by the chat's id


@dataclass
class ChatEvents:
    ctx: AppContext
    brainstorm: BrainstormService
    followup: FollowUpService

    async def migrate(self, old_id: int, new_id: int) -> None:
        """Everything moves to the new id at once; the timers follow; a running brainstorm's
        board is posted again where the team now writes. Safe to call twice (Telegram sends
        the move to both chats)."""
        store, scheduler = self.ctx.store, self.ctx.scheduler
        if not await store.chats.migrate(old_id, new_id):
            return
        keys = [
            key
            for kind in CHAT_JOBS
            for key in await store.jobs.pending_with_prefix(f"{kind.value}:{old_id}:")
        ]
        await scheduler.cancel(keys)
        await self.followup.arm_schedule(new_id)
        due_prefix = f"{JobKind.DUE_REMINDER.value}:{old_id}:"
        for key in keys:
            if key.startswith(due_prefix):
                await self.followup.arm_due(new_id, date.fromisoformat(key[len(due_prefix) :]))
        ws = await store.workshops.active(new_id)
        if ws is not None and ws.phase is Phase.BRAINSTORM:
            await self.brainstorm.post_board(ws)
        log.info("chat %s moved to %s (%d timers re-armed)", old_id, new_id, len(keys))

    async def removed(self, chat_id: int) -> None:
        """The bot was removed or kicked: the schedule and reminders wait, nothing is lost."""
        if await self.ctx.store.chats.set_paused(chat_id, True):
            log.info("removed from chat %s: its schedule and reminders are paused", chat_id)

    async def added(self, chat_id: int, locale: str) -> None:
        """Added back: the schedule and reminders run again (overdue reminders at once)."""
        if not await self.ctx.store.chats.set_paused(chat_id, False):
            return
        when = await self.followup.arm_schedule(chat_id)
        await self.followup.due_reminders(chat_id)
        log.info("back in chat %s: schedule and reminders resumed", chat_id)
        if when is None and await self.ctx.store.workshops.latest(chat_id) is None:
            return
        with self.ctx.speaking(locale):
            await self.ctx.bot.send_message(
                chat_id,
                _("👋 I am back: the re-evaluation schedule and the plan reminders run again."),
            )

    async def member_joined(self, chat_id: int, user: TelegramUser) -> None:
        """Someone joined (or was added back): a member again."""
        await self.ctx.store.users.seen(
            user.id, user.username, user.full_name, user.language_code, chat_id
        )

    async def member_left(self, chat_id: int, user_id: int) -> None:
        """Someone left or was removed: no longer listed with the chat's rounds in /start,
        nor found by @username as an owner."""
        await self.ctx.store.users.left(chat_id, user_id)
