"""Capturing ideas: from commands, replies, plain messages and the private idea box."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ReactionTypeEmoji
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import gettext as _

from bot.config import Capture
from bot.context import AppContext
from bot.core.ideas import MAX_TOUCHPOINTS, ParsedLine, find_duplicate, normalise, parse_lines
from bot.domain import Phase
from bot.services.board import IDEA_BOX_PREFIX, Boards
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.services.throttle import Slowed, Throttle
from bot.views import ideas as views
from bot.views.common import LINK_INVALID
from storage.models import AddOutcome, NewIdea, Workshop

log = logging.getLogger(__name__)

ADDED_REACTION = "✍"
PLUS_ONE_REACTION = "🤝"


@dataclass(frozen=True, slots=True)
class Captured:
    """What storing one message's ideas did, and the lines that were refused."""

    outcome: AddOutcome
    problems: tuple[ParsedLine, ...]
    read: int = 0  # lines of the message taken (refused ones included)
    dropped: int = 0  # lines past max_idea_lines, not read at all


@dataclass(eq=False)
class IdeaService:
    """Stores ideas, acknowledges them with a reaction and refreshes the board."""

    ctx: AppContext
    settings: ChatSettings
    boards: Boards
    steering: Steering
    throttle: Throttle = field(init=False)

    def __post_init__(self) -> None:
        self.throttle = Throttle(self.ctx.config.workshop.ideas_per_minute)

    async def slowed(self, user_id: int) -> Slowed | None:
        """Count one idea message of a team member: None when it may go on."""
        return await self.throttle.take(user_id)

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is in the group now: Telegram's word (who left or was removed is
        not, and stops counting as a member here too); when Telegram cannot say, whether the
        bot saw them there and has not seen them leave."""
        known = await self.steering.membership(chat_id, user_id)
        if known is None:
            return await self.ctx.store.users.is_member(chat_id, user_id)
        if not known:
            await self.ctx.store.users.left(chat_id, user_id)
        return known

    async def capture(
        self,
        ws: Workshop,
        source: tuple[int, int],
        user_id: int,
        text: str,
        *,
        anonymous: bool = False,
        for_next_round: bool = False,
        customer: bool = False,
    ) -> Captured:
        """Store every line of `text` (from message `source`: chat id, message id) as a
        touchpoint of `ws`, committed before the reaction says so. Only the first
        max_idea_lines lines are read; Captured says how many more were dropped."""
        parsed = parse_lines(text)
        most = self.ctx.config.workshop.max_idea_lines
        lines = parsed[:most]
        good = [
            NewIdea(line.text, normalise(line.text), line.stage)
            for line in lines
            if line.problem is None
        ]
        problems = tuple(line for line in lines if line.problem is not None)
        outcome = await self.ctx.store.touchpoints.add_ideas(
            ws.id,
            user_id,
            good,
            find_duplicate,
            limit=MAX_TOUCHPOINTS,
            source=source,
            anonymous=anonymous,
            customer=customer,
            phases=(Phase.RESULTS,) if for_next_round else (Phase.BRAINSTORM,),
            shortlist_up_to=(await self.settings.of(ws.chat_id)).max_touchpoints
            if for_next_round
            else None,
        )
        if outcome.added or outcome.plus_ones:
            emoji = ADDED_REACTION if outcome.added else PLUS_ONE_REACTION
            try:
                await self.ctx.bot.set_message_reaction(
                    source[0], source[1], [ReactionTypeEmoji(emoji=emoji)]
                )
            except TelegramBadRequest as exc:
                # Reactions may be switched off in this chat; the board shows the idea anyway.
                log.info("no reaction in %s: %s", source[0], exc.message)
            if not for_next_round:
                self.boards.touch(ws.id)
        return Captured(outcome, problems, len(lines), len(parsed) - len(lines))

    async def command_target(
        self, chat_id: int, thread_id: int | None
    ) -> tuple[Workshop | None, bool]:
        """The workshop /idea in this chat (forum topic) is about, and whether it takes ideas
        now: during the brainstorm, or after the results (for the next round)."""
        ws = await self.ctx.store.workshops.latest(chat_id, thread_id)
        taking = ws is not None and ws.phase in (Phase.BRAINSTORM, Phase.RESULTS)
        return ws, taking

    async def plain_message_target(
        self, chat_id: int, thread_id: int | None, reply_to: int | None
    ) -> Workshop | None:
        """The running brainstorm a plain group message adds to, if it counts as an idea: a
        reply to a board (in any forum topic) adds to that board's workshop; a reply to
        another bot message, or any message when capture = all, to the topic's."""
        store = self.ctx.store
        ws = await store.workshops.by_board(chat_id, reply_to) if reply_to else None
        if ws is None:
            ws = await store.workshops.active(chat_id, thread_id)
            if ws is None or (
                reply_to is None and await self.settings.capture(chat_id) is not Capture.ALL
            ):
                return None
        return ws if ws.phase is Phase.BRAINSTORM else None

    async def idea_box(self, user_id: int) -> Workshop | None:
        """The workshop whose private idea box this user opened last."""
        workshop_id = await self.ctx.store.users.idea_box(user_id)
        return await self.ctx.store.workshops.get(workshop_id) if workshop_id else None

    async def open_idea_box(self, user: TelegramUser, payload: str) -> str:
        """/start i_<token>: this user's private messages now go to that workshop, unsigned.

        Returns what to tell the user."""
        ws = await self.ctx.store.workshops.by_idea_token(payload.removeprefix(IDEA_BOX_PREFIX))
        if ws is None:
            return _(LINK_INVALID)
        await self.ctx.store.users.seen(
            user.id, user.username, user.full_name, user.language_code, started=True
        )
        if not await self.is_member(ws.chat_id, user.id):
            return _(views.NOT_IN_GROUP)
        if ws.phase is not Phase.BRAINSTORM:
            return views.no_brainstorm_text(ws)
        await self.ctx.store.users.set_idea_box(user.id, ws.id)
        return views.idea_box_open(ws)
