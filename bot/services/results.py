"""Results: score a closed round, write its plan, and post the wheel, ranking and plan."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import BufferedInputFile

from bot.context import AppContext
from bot.core.playbook import load_playbook
from bot.core.scoring import Answer, RoundScore, score_round
from bot.core.text import chunk_lines
from bot.domain import Criterion, RoundStatus
from bot.services.render import Renderer
from bot.services.settings import ChatSettings
from bot.views.results import Results, caption, plan_lines, table_lines, wheel_spec
from storage.models import PlanItem, Round, RoundItem, User

PLAN_BELOW = 8.0


@dataclass(eq=False)
class ResultsService:
    """Computes results from the database and shows them to the group."""

    ctx: AppContext
    settings: ChatSettings
    renderer: Renderer

    async def scored(self, rnd: Round) -> tuple[list[RoundItem], tuple[Answer, ...], RoundScore]:
        """One round's spokes, answers and scores."""
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = tuple(
            Answer(r.touchpoint_id, r.rater_id, r.criterion, r.value, r.source)
            for r in await self.ctx.store.rounds.ratings(rnd.id)
        )
        return items, answers, score_round([i.touchpoint_id for i in items], answers)

    async def compute(self, rnd: Round) -> Results:
        """The round scored, with the closed round before it for comparison."""
        store = self.ctx.store
        ws = await store.workshops.get(rnd.workshop_id)
        assert ws is not None
        items, answers, score = await self.scored(rnd)
        earlier = [
            r
            for r in await store.rounds.for_workshop(ws.id)
            if r.number < rnd.number and r.status is RoundStatus.CLOSED
        ]
        previous: dict[int, float] = {}
        previous_roundness = None
        if earlier:
            _items, _answers, last_score = await self.scored(earlier[-1])
            previous = {
                s.touchpoint_id: s.overall for s in last_score.spokes if s.overall is not None
            }
            previous_roundness = last_score.roundness
        chat = await store.chats.get(ws.chat_id)
        return Results(
            ws=ws,
            rnd=rnd,
            items=tuple(items),
            score=score,
            answers=answers,
            previous=previous,
            previous_roundness=previous_roundness,
            chat_title=chat.title if chat else "",
            zone=await self.settings.zone(ws.chat_id),
        )

    async def latest(self, chat_id: int) -> Results | None:
        """The chat's newest closed round, computed."""
        ws = await self.ctx.store.workshops.latest(chat_id)
        if ws is None:
            return None
        closed = [
            r
            for r in await self.ctx.store.rounds.for_workshop(ws.id)
            if r.status is RoundStatus.CLOSED
        ]
        return await self.compute(closed[-1]) if closed else None

    async def publish(self, round_id: int) -> None:
        """A round closed: write the plan, then show everything to the group."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None:
            return
        results = await self.compute(rnd)
        await self.ctx.store.plans.replace(results.ws.id, rnd.id, self.plan_entries(results))
        message_id = await self.post(results)
        await self.ctx.store.rounds.set_results_message(rnd.id, message_id)

    def plan_entries(self, results: Results) -> list[tuple[int, Criterion, str]]:
        """Weak spokes, weakest first (at least one), each with its playbook action."""
        playbook = load_playbook()
        texts = {i.touchpoint_id: i.text for i in results.items}
        order = results.score.plan_order
        chosen = [s for s in order if (s.overall or 0.0) < PLAN_BELOW] or list(order[:1])
        entries = []
        for spoke in chosen:
            criterion = spoke.weakest or Criterion.SIMPLICITY
            action = playbook.action(texts[spoke.touchpoint_id], criterion, results.ws.locale)
            entries.append((spoke.touchpoint_id, criterion, action))
        return entries

    async def wheel_png(self, results: Results) -> bytes:
        """The wheel for these results, drawn in the render worker, in the workshop's
        language."""
        with self.ctx.speaking(results.ws.locale):
            spec = wheel_spec(results)
        return await self.renderer.wheel(spec)

    async def plan(self, results: Results) -> tuple[list[PlanItem], dict[int, User]]:
        """The round's plan and the owners named in it."""
        plan = await self.ctx.store.plans.for_round(results.rnd.id)
        owners = await self.ctx.store.users.many([p.owner_id for p in plan if p.owner_id])
        return plan, owners

    async def post(self, results: Results) -> int:
        """The wheel, the ranking and the plan, in the workshop's language; the wheel's
        message id."""
        ws = results.ws
        plan, owners = await self.plan(results)
        with self.ctx.speaking(ws.locale):
            text = caption(results)
            lines = [*table_lines(results), "", *plan_lines(results, plan, owners)]
        png = await self.wheel_png(results)
        wheel = await self.ctx.bot.send_photo(
            ws.chat_id, BufferedInputFile(png, "wheel.png"), caption=text
        )
        for chunk in chunk_lines(lines):
            await self.ctx.bot.send_message(ws.chat_id, chunk)
        return wheel.message_id
