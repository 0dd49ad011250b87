"""Review: the list after the bell, its editing, the shortlist, and opening the rating."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.core.ideas import normalise
from bot.domain import Phase
from bot.services.board import Boards
from bot.services.rating import RatingService
from bot.services.telegram import edit_text
from bot.views import review as views
from storage.models import Touchpoint, Workshop

EDITABLE = (Phase.BRAINSTORM, Phase.REVIEW)


@dataclass(eq=False)
class ReviewService:
    """The facilitator's work between the brainstorm and the rating."""

    ctx: AppContext
    boards: Boards
    rating: RatingService

    async def limit(self, ws: Workshop) -> int:
        """The most spokes a wheel holds in this chat."""
        return (await self.rating.settings.of(ws.chat_id)).max_touchpoints

    async def post_list(
        self,
        ws: Workshop,
        *,
        final: bool = False,
        skip: int = 0,
        posted: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """The whole numbered list, split over messages when long; review buttons last.
        The first `skip` messages went out before; `posted(n)` is told after each one."""
        touchpoints = await self.ctx.store.touchpoints.live(ws.id)
        contributors = await self.ctx.store.touchpoints.contributor_count(ws.id)
        with self.ctx.speaking(ws.locale):
            chunks, markup = views.list_messages(ws, touchpoints, contributors, final=final)
            for index, chunk in enumerate(chunks):
                if index < skip:
                    continue
                last = index == len(chunks) - 1
                await self.ctx.bot.send_message(
                    ws.chat_id,
                    chunk,
                    reply_markup=markup if last else None,
                    message_thread_id=ws.thread_id,
                )
                if posted is not None:
                    await posted(index + 1)

    # --- editing the list --------------------------------------------------------------------

    async def editable(self, chat_id: int, thread_id: int | None) -> Workshop | None:
        """The chat's (forum topic's) workshop while its list may still be edited."""
        ws = await self.ctx.store.workshops.active(chat_id, thread_id)
        return ws if ws is not None and ws.phase in EDITABLE else None

    async def touchpoint(self, ws: Workshop, number: int) -> Touchpoint | None:
        return await self.ctx.store.touchpoints.by_number(ws.id, number)

    async def drop(self, ws: Workshop, tp: Touchpoint) -> None:
        await self.ctx.store.touchpoints.drop(tp.id)
        self.boards.touch(ws.id)

    async def merge(self, ws: Workshop, keep: Touchpoint, gone: Touchpoint) -> Touchpoint:
        """`gone` folds into `keep` with every contributor; returns `keep` as it is now."""
        await self.ctx.store.touchpoints.merge(keep.id, gone.id)
        self.boards.touch(ws.id)
        return await self.ctx.store.touchpoints.by_number(ws.id, keep.number) or keep

    async def rename(self, ws: Workshop, tp: Touchpoint, text: str) -> None:
        await self.ctx.store.touchpoints.rename(tp.id, text, normalise(text))
        self.boards.touch(ws.id)

    # --- shortlist and rating ------------------------------------------------------------------

    async def offer_shortlist(self, ws: Workshop, length: timedelta | None = None) -> None:
        """Short lists go straight to rating; long ones get the shortlist keyboard first, and
        the round it opens keeps `length`."""
        store = self.ctx.store
        touchpoints = await store.touchpoints.live(ws.id)
        if not touchpoints:
            with self.ctx.speaking(ws.locale):
                await self.ctx.bot.send_message(
                    ws.chat_id, _(views.NOTHING_TO_RATE), message_thread_id=ws.thread_id
                )
            return
        limit = await self.limit(ws)
        if len(touchpoints) <= limit:
            await store.touchpoints.set_shortlist(ws.id, [tp.id for tp in touchpoints])
            await self.rating.open_round(ws, length)
            return
        seconds = int(length.total_seconds()) if length else None
        await store.workshops.set_round_seconds(ws.id, seconds)
        if not any(tp.shortlisted for tp in touchpoints):
            ranked = sorted(touchpoints, key=lambda tp: (-tp.votes, tp.number))[:limit]
            await store.touchpoints.set_shortlist(ws.id, [tp.id for tp in ranked])
            touchpoints = await store.touchpoints.live(ws.id)
        with self.ctx.speaking(ws.locale):
            await self.ctx.bot.send_message(
                ws.chat_id,
                views.shortlist_text(touchpoints, limit),
                reply_markup=views.shortlist_markup(ws, touchpoints, 0),
                message_thread_id=ws.thread_id,
            )

    async def toggle(self, ws: Workshop, touchpoint_id: int) -> str | None:
        """Pick or unpick one touchpoint; the refusal to show, if any."""
        touchpoints = await self.ctx.store.touchpoints.live(ws.id)
        tp = next((t for t in touchpoints if t.id == touchpoint_id), None)
        if tp is None:
            return _(views.GONE_FROM_LIST)
        limit = await self.limit(ws)
        if not tp.shortlisted and sum(t.shortlisted for t in touchpoints) >= limit:
            return views.wheel_full(limit)
        await self.ctx.store.touchpoints.toggle_shortlisted(ws.id, tp.id)
        return None

    async def show_shortlist(self, ws: Workshop, message_id: int, page: int) -> None:
        """Redraw the shortlist keyboard as it is now."""
        touchpoints = await self.ctx.store.touchpoints.live(ws.id)
        limit = await self.limit(ws)
        await edit_text(
            self.ctx.bot,
            ws.chat_id,
            message_id,
            views.shortlist_text(touchpoints, limit),
            views.shortlist_markup(ws, touchpoints, page),
        )

    async def picked_count_problem(self, ws: Workshop) -> str | None:
        """Why the shortlist cannot be rated yet, if it cannot."""
        picked = [tp for tp in await self.ctx.store.touchpoints.live(ws.id) if tp.shortlisted]
        limit = await self.limit(ws)
        if 1 <= len(picked) <= limit:
            return None
        return views.pick_first(limit)
