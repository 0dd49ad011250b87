"""The live brainstorm board: its text and buttons, and a debounced editor."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.clock import format_left, format_local
from bot.core.text import shorten
from bot.domain import Phase, Stage
from handlers.callbacks import BoardAction, BoardOp
from storage.models import Touchpoint, Workshop

log = logging.getLogger(__name__)

BOARD_NEWEST = 15
EXTEND_BUTTON_MINUTES = 5


def stage_label(stage: Stage) -> str:
    labels = {Stage.BEFORE: _("before"), Stage.DURING: _("during"), Stage.AFTER: _("after")}
    return labels.get(stage, "")


def touchpoint_line(tp: Touchpoint, width: int = 120) -> str:
    """ "3. Website chat · before (+2)": numbered, escaped, stage and extra votes shown."""
    line = f"{tp.number}. {escape(shorten(tp.text, width))}"
    if tp.stage is not Stage.NONE:
        line += f" <i>· {stage_label(tp.stage)}</i>"
    if tp.votes > 1:
        line += f" <b>(+{tp.votes - 1})</b>"
    return line


def counts_line(touchpoints: int, contributors: int) -> str:
    return _("💡 {touchpoints} from {contributors}").format(
        touchpoints=ngettext("{n} touchpoint", "{n} touchpoints", touchpoints).format(
            n=touchpoints
        ),
        contributors=ngettext("{n} contributor", "{n} contributors", contributors).format(
            n=contributors
        ),
    )


def board_text(
    ws: Workshop,
    touchpoints: Sequence[Touchpoint],
    contributors: int,
    zone: str,
    now: datetime,
) -> str:
    """The board as the group sees it: topic, clock, counts, newest ideas, how to add."""
    title = _("🧠 <b>Touchpoint brainstorm</b>")
    if ws.topic:
        title += f": {escape(ws.topic)}"
    lines = [title]
    if ws.phase is Phase.BRAINSTORM and ws.deadline is not None:
        lines.append(
            _("⏰ Ends at {end} · {left} left").format(
                end=format_local(ws.deadline, zone, now),
                left=format_left(ws.deadline - now, ws.locale),
            )
        )
    elif ws.phase is Phase.CANCELLED:
        lines.append(_("✖️ Cancelled."))
    else:
        lines.append(_("🔔 Time is up."))
    lines.append(counts_line(len(touchpoints), contributors))
    lines.append("")
    shown = list(touchpoints)[-BOARD_NEWEST:]
    if len(touchpoints) > len(shown):
        lines.append(_("… {n} earlier (see /list)").format(n=len(touchpoints) - len(shown)))
    lines.extend(touchpoint_line(tp) for tp in shown)
    if not touchpoints:
        lines.append(_("No touchpoints yet. Every place a customer meets you counts!"))
    if ws.phase is Phase.BRAINSTORM:
        lines.append("")
        lines.append(
            _(
                "➕ Add: <code>/idea</code> with one touchpoint per line, or reply to this "
                "message. Tags: #before #during #after."
            )
        )
    return "\n".join(lines)


def board_markup(ws: Workshop, idea_box_url: str) -> InlineKeyboardMarkup | None:
    """Facilitator buttons and the private idea box link, while the brainstorm runs."""
    if ws.phase is not Phase.BRAINSTORM:
        return None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("+{n} min").format(n=EXTEND_BUTTON_MINUTES),
        callback_data=BoardAction(op=BoardOp.EXTEND, ws=ws.id),
    )
    builder.button(text=_("Finish now"), callback_data=BoardAction(op=BoardOp.FINISH, ws=ws.id))
    builder.button(text=_("Cancel"), callback_data=BoardAction(op=BoardOp.CANCEL, ws=ws.id))
    builder.button(text=_("🤫 Add privately"), url=idea_box_url)
    builder.adjust(3, 1)
    return builder.as_markup()


def cancel_confirm_markup(ws: Workshop) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("Yes, cancel the workshop"),
        callback_data=BoardAction(op=BoardOp.CANCEL_YES, ws=ws.id),
    )
    builder.button(
        text=_("No, keep going"), callback_data=BoardAction(op=BoardOp.CANCEL_NO, ws=ws.id)
    )
    builder.adjust(1)
    return builder.as_markup()


class BoardUpdater:
    """Edits each board at most once per `interval` seconds, and at once when flushed."""

    def __init__(self, interval: float, render: Callable[[int], Awaitable[None]]) -> None:
        self._interval = interval
        self._render = render
        self._last: dict[int, float] = {}
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._running: set[asyncio.Task[None]] = set()

    def touch(self, workshop_id: int) -> None:
        """Something changed: refresh soon, but not more often than the interval."""
        if workshop_id in self._pending:
            return
        last = self._last.get(workshop_id)
        delay = 0.0 if last is None else max(0.0, last + self._interval - time.monotonic())
        task = asyncio.create_task(self._later(workshop_id, delay))
        self._pending[workshop_id] = task

    async def flush(self, workshop_id: int) -> None:
        """Refresh now (phase changes), dropping any pending refresh."""
        task = self._pending.pop(workshop_id, None)
        if task is not None:
            task.cancel()
        await self._refresh(workshop_id)

    async def close(self) -> None:
        """Drop refreshes still waiting; let the ones already editing finish."""
        for task in list(self._pending.values()):
            task.cancel()
        self._pending.clear()
        if self._running:
            await asyncio.wait(set(self._running), timeout=5)

    async def _later(self, workshop_id: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._pending.pop(workshop_id, None)
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        await self._refresh(workshop_id)

    async def _refresh(self, workshop_id: int) -> None:
        lock = self._locks.setdefault(workshop_id, asyncio.Lock())
        async with lock:
            self._last[workshop_id] = time.monotonic()
            try:
                await self._render(workshop_id)
            except Exception:
                # A board that cannot be drawn must not take the bot down; next change retries.
                log.exception("board %s refresh failed", workshop_id)
