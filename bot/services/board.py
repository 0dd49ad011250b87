"""The live brainstorm board: rendered from the database, edited through the updater."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aiogram.types import InlineKeyboardMarkup

from bot.context import AppContext
from bot.core.clock import countdown_mark, mark_lead
from bot.domain import Phase
from bot.services.settings import ChatSettings
from bot.services.telegram import edit_text
from bot.services.updater import MessageUpdater
from bot.views.brainstorm import board_markup, board_text
from storage.db import utcnow
from storage.models import Workshop

IDEA_BOX_PREFIX = "i_"


@dataclass(eq=False)
class Boards:
    """Keeps every running board current: content edits debounced; the clock edited only
    when a board passes a countdown mark (10, 5 and 1 minutes left), each board a little
    earlier or later than the others."""

    ctx: AppContext
    settings: ChatSettings
    updater: MessageUpdater = field(init=False)
    _marks: dict[int, int] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.updater = MessageUpdater(self.ctx.config.workshop.board_edit_seconds, self.render)

    def idea_box_url(self, ws: Workshop) -> str:
        return self.ctx.deep_link(f"{IDEA_BOX_PREFIX}{ws.idea_token}")

    async def render(self, workshop_id: int) -> None:
        """Edit the board to show the workshop as it is now."""
        ws = await self.ctx.store.workshops.get(workshop_id)
        if ws is None or ws.board_message_id is None:
            return
        now = utcnow()
        if ws.deadline is not None:
            self._marks[ws.id] = countdown_mark(ws.deadline - now, mark_lead(ws.id))
        text, markup = await self.view(ws, now)
        await edit_text(self.ctx.bot, ws.chat_id, ws.board_message_id, text, markup)

    async def view(self, ws: Workshop, now: datetime) -> tuple[str, InlineKeyboardMarkup | None]:
        """The board with what the workshop holds now, in its language."""
        store = self.ctx.store
        touchpoints = await store.touchpoints.live(ws.id)
        team = await store.touchpoints.contributor_count(ws.id)
        customers = await store.touchpoints.contributor_count(ws.id, customers=True)
        zone = await self.settings.zone(ws.chat_id)
        with self.ctx.speaking(ws.locale):
            text = board_text(ws, touchpoints, (team, customers), zone, now)
            return text, board_markup(ws, self.idea_box_url(ws))

    def touch(self, workshop_id: int) -> None:
        """Something on the board changed: edit it soon."""
        self.updater.touch(workshop_id)

    async def flush(self, workshop_id: int) -> None:
        """Edit it now (phase changes)."""
        await self.updater.flush(workshop_id)

    async def tick(self) -> None:
        """Edit the boards that passed a countdown mark since they were last drawn."""
        now = utcnow()
        running = await self.ctx.store.workshops.in_phase(Phase.BRAINSTORM)
        for ws in running:
            if ws.deadline is None:
                continue
            mark = countdown_mark(ws.deadline - now, mark_lead(ws.id))
            shown = self._marks.setdefault(ws.id, mark)  # after a restart: as drawn before
            if mark > shown:
                self._marks[ws.id] = mark
                self.updater.touch(ws.id)
        for gone in self._marks.keys() - {ws.id for ws in running}:
            del self._marks[gone]

    async def close(self) -> None:
        await self.updater.close()
