"""The brainstorm's life: start, extend, warnings, the bell, cancel; and the timed phase."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest

from bot.context import AppContext
from bot.domain import JobKind, Phase
from bot.scheduler import Timer, for_good, job_key
from bot.services.board import Boards
from bot.services.rating import RatingService
from bot.services.review import ReviewService
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.views.brainstorm import warning_text
from storage.db import utcnow
from storage.models import Round, Workshop

log = logging.getLogger(__name__)

WARNINGS = (timedelta(minutes=5), timedelta(minutes=1))
# A warning that comes this close to the bell (e.g. after a restart) is skipped.
WARNING_SLACK = timedelta(seconds=20)


def _warning_suffix(before: timedelta) -> str:
    return str(int(before.total_seconds() // 60))


@dataclass(eq=False)
class BrainstormService:
    """Phase changes of the brainstorm and the messages that go with them."""

    ctx: AppContext
    settings: ChatSettings
    steering: Steering
    boards: Boards
    review: ReviewService
    rating: RatingService
    _ringing: set[int] = field(init=False, default_factory=set)  # bells being rung now

    async def start(
        self,
        chat_id: int,
        user_id: int,
        locale: str,
        duration: timedelta,
        topic: str,
        thread_id: int | None = None,
    ) -> Workshop | None:
        """Create the workshop (in a forum topic, when `thread_id`), post and pin the board,
        arm the timers (None: one is active there)."""
        deadline = utcnow() + duration
        timers = self._timers(deadline, duration)
        ws = await self.ctx.store.workshops.create(
            chat_id,
            topic,
            user_id,
            locale,
            secrets.token_urlsafe(12),
            deadline,
            thread_id,
            timers=self.ctx.scheduler.rows(timers),
        )
        if ws is None:
            return None
        self.ctx.scheduler.arm(ws.id, timers)
        try:
            await self.post_board(ws)
        except TelegramAPIError as exc:
            # The bell is stored: a workshop whose board did not go out still ends on time,
            # and the next /brainstorm posts the board again (`repost_board`). Where the bot
            # may not post at all, nobody could take part: the workshop is cancelled.
            if for_good(exc):
                log.warning("no board in %s, workshop %s cancelled: %s", chat_id, ws.id, exc)
                await self.cancel(ws)
            raise
        found = await self.ctx.store.workshops.get(ws.id)
        return found or ws

    async def repost_board(self, ws: Workshop) -> bool:
        """A running brainstorm whose board never went out (Telegram failed, or the bot
        stopped, while it was posted): post it now. False when it has one (or ended)."""
        if ws.phase is not Phase.BRAINSTORM or ws.board_message_id is not None:
            return False
        await self.post_board(ws)
        return True

    @staticmethod
    def _timers(deadline: datetime, length: timedelta) -> list[Timer]:
        """The bell and the warnings that still lie ahead: (kind, suffix, when)."""
        now = utcnow()
        timers = [(JobKind.BRAINSTORM_END, "", deadline)]
        for before in WARNINGS:
            when = deadline - before
            if length > before and when > now:
                timers.append((JobKind.BRAINSTORM_WARN, _warning_suffix(before), when))
        return timers

    async def post_board(self, ws: Workshop) -> None:
        """Post (or, after the chat moved, post again) the board with what it holds now, and
        pin it where the bot may."""
        store = self.ctx.store
        text, markup = await self.boards.view(ws, utcnow())
        board = await self.ctx.bot.send_message(
            ws.chat_id, text, reply_markup=markup, message_thread_id=ws.thread_id
        )
        await store.workshops.set_board(ws.id, board.message_id)
        if await self.steering.can_pin(ws.chat_id):
            try:
                await self.ctx.bot.pin_chat_message(
                    ws.chat_id, board.message_id, disable_notification=True
                )
            except TelegramBadRequest as exc:
                log.info("cannot pin the board in %s: %s", ws.chat_id, exc.message)
            else:
                await store.workshops.set_pinned(ws.id, True)

    async def _arm_timers(self, workshop_id: int, deadline: datetime, length: timedelta) -> None:
        await self.ctx.scheduler.rearm(
            workshop_id,
            self._timers(deadline, length),
            JobKind.BRAINSTORM_WARN,
            [_warning_suffix(before) for before in WARNINGS],
        )

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
                warning_text(left, ws.locale),
                message_thread_id=ws.thread_id,
                reply_to_message_id=ws.board_message_id,
                allow_sending_without_reply=True,
            )
        self.boards.touch(ws.id)

    async def finish(self, workshop_id: int) -> None:
        """The bell (job, /finish or button): freeze the list and post it for review.

        A bell repeated after a crash between the phase change and the list (the job runs
        again, or the update is delivered again) posts the list then."""
        store = self.ctx.store
        moved = await store.workshops.set_phase(
            workshop_id, Phase.REVIEW, expected=[Phase.BRAINSTORM]
        )
        ws = await store.workshops.get(workshop_id)
        if ws is None or ws.list_posted or workshop_id in self._ringing:
            return
        if not moved and ws.phase is not Phase.REVIEW:
            return
        self._ringing.add(workshop_id)
        try:
            await self._disarm(workshop_id, keep_bell=True)
            await self.boards.flush(workshop_id)
            await self._unpin(ws)
            # Each part of the list is marked as it goes out: a bell repeated after a
            # failure posts only the rest.
            await self.review.post_list(
                ws,
                final=True,
                skip=ws.list_parts,
                posted=partial(store.workshops.set_list_parts, workshop_id),
            )
            await store.workshops.mark_list_posted(workshop_id)
            # Only now: a bell that failed (e.g. /finish while Telegram was down) rings
            # again at the deadline and posts what is missing.
            await self._disarm(workshop_id)
        finally:
            self._ringing.discard(workshop_id)

    async def cancel(self, ws: Workshop) -> bool:
        """Abandon the workshop in any active phase; False when it had ended already."""
        moved = await self.ctx.store.workshops.set_phase(
            ws.id, Phase.CANCELLED, expected=[Phase.BRAINSTORM, Phase.REVIEW, Phase.RATING]
        )
        if moved:
            await self._disarm(ws.id)
            await self.boards.flush(ws.id)
            await self._unpin(ws)
        return moved

    async def _disarm(self, workshop_id: int, *, keep_bell: bool = False) -> None:
        """Drop the warnings and (unless `keep_bell`) the bell."""
        bell = [] if keep_bell else [job_key(JobKind.BRAINSTORM_END, workshop_id)]
        await self.ctx.scheduler.cancel(
            [
                *bell,
                *(
                    job_key(JobKind.BRAINSTORM_WARN, workshop_id, _warning_suffix(b))
                    for b in WARNINGS
                ),
            ]
        )

    async def _unpin(self, ws: Workshop) -> None:
        """Unpin the board if the bot pinned it (and only then)."""
        if ws.board_message_id is None or not ws.board_pinned:
            return
        try:
            await self.ctx.bot.unpin_chat_message(ws.chat_id, message_id=ws.board_message_id)
        except TelegramAPIError as exc:
            # Unpinned by someone already, the right to pin taken away, or the bot removed:
            # tried once, not again.
            log.info("cannot unpin the board in %s: %s", ws.chat_id, exc.message)
        await self.ctx.store.workshops.set_pinned(ws.id, False)

    # --- whatever runs against the clock: the brainstorm or a rating round ------------------

    async def timed_phase(
        self, chat_id: int, thread_id: int | None
    ) -> tuple[Workshop, Round | None] | None:
        """The running brainstorm (round None) or rating round of the chat (forum topic)."""
        ws = await self.ctx.store.workshops.active(chat_id, thread_id)
        rnd = await self.rating.open_round_of(ws) if ws and ws.phase is Phase.RATING else None
        if ws is None or (ws.phase is not Phase.BRAINSTORM and rnd is None):
            return None
        return ws, rnd

    async def extend_phase(self, ws: Workshop, rnd: Round | None, extra: timedelta) -> datetime:
        """More time for the brainstorm or the round; the new deadline."""
        if rnd is not None:
            return (await self.rating.extend(rnd, extra)).deadline
        extended = await self.extend(ws, extra)
        assert extended.deadline is not None
        return extended.deadline

    async def finish_phase(self, ws: Workshop, rnd: Round | None) -> None:
        """Ring the bell on the brainstorm, or close the rating round."""
        if rnd is not None:
            await self.rating.close(rnd.id)
        else:
            await self.finish(ws.id)
