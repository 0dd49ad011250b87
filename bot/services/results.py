"""Results: score a closed round, write its plan, and post the wheel, ranking and plan."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.context import AppContext
from bot.core.cooldown import Cooldown
from bot.core.ideas import normalise
from bot.core.plan import build_plan, corrected, is_unsure
from bot.core.playbook import load_model, load_playbook
from bot.core.scoring import Answer, RoundScore, score_round
from bot.domain import Choice, Entry, RoundStatus
from bot.services.render import Renderer
from bot.services.settings import ChatSettings
from bot.services.telegram import send_chunks
from bot.views.plan import plan_keyboard, plan_lines
from bot.views.results import Results, again_later, caption, table_lines, wheel_spec
from storage.models import PlanItem, Round, RoundItem, Workshop


@dataclass(eq=False)
class ResultsService:
    """Computes results from the database and shows them to the group."""

    ctx: AppContext
    settings: ChatSettings
    renderer: Renderer
    # /results, /export and /history: once per chat per window (each spends the group's
    # message budget); tests set its clock.
    cooldown: Cooldown = field(init=False)

    def __post_init__(self) -> None:
        self.cooldown = Cooldown(self.ctx.config.workshop.results_cooldown_seconds)

    async def cooling_down(self, message: Message, command: str) -> bool:
        """Whether /`command` was answered in this chat within the cooldown. The first repeat
        is told when to ask again; later ones get no answer, so repeats spend no budget."""
        wait = self.cooldown.take((command, message.chat.id))
        if wait is None:
            return False
        if wait.first:
            await message.reply(again_later(f"/{command}", wait.seconds))
        return True

    def never_mind(self, message: Message, command: str) -> None:
        """/`command` had nothing to send (no results yet): the next one may run at once."""
        self.cooldown.give_back((command, message.chat.id))

    async def scored(
        self, rnd: Round, chat_id: int
    ) -> tuple[list[RoundItem], tuple[Answer, ...], RoundScore]:
        """One round's spokes, answers and scores, with the chat's weights."""
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = tuple(
            Answer(r.touchpoint_id, r.rater_id, r.criterion, r.value, r.source)
            for r in await self.ctx.store.rounds.ratings(rnd.id)
        )
        chosen = await self.settings.of(chat_id)
        return (
            items,
            answers,
            score_round(
                [i.touchpoint_id for i in items],
                answers,
                weights=chosen.weights,
                customer_weight=chosen.customer_weight,
                customer_min=chosen.min_raters,
            ),
        )

    async def compute(self, rnd: Round) -> Results:
        """The round scored, with the closed round before it for comparison."""
        store = self.ctx.store
        ws = await store.workshops.get(rnd.workshop_id)
        assert ws is not None
        items, answers, score = await self.scored(rnd, ws.chat_id)
        earlier = [
            r
            for r in await store.rounds.for_workshop(ws.id)
            if r.number < rnd.number and r.status is RoundStatus.CLOSED
        ]
        previous: dict[int, float] = {}
        previous_roundness = None
        if earlier:
            _items, _answers, last_score = await self.scored(earlier[-1], ws.chat_id)
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
            customer_min=(await self.settings.of(ws.chat_id)).min_raters,
        )

    async def latest(self, chat_id: int, thread_id: int | None = None) -> Results | None:
        """The chat's (forum topic's) newest closed round, computed."""
        ws = await self.ctx.store.workshops.latest(chat_id, thread_id)
        if ws is None:
            return None
        closed = [
            r
            for r in await self.ctx.store.rounds.for_workshop(ws.id)
            if r.status is RoundStatus.CLOSED
        ]
        return await self.compute(closed[-1]) if closed else None

    async def publish(self, rnd: Round) -> Round:
        """A round closed: write the plan, post the wheel, then the ranking and plan, each
        step marked once done (a step already marked is not repeated); the round as it is
        after."""
        store = self.ctx.store
        results: Results | None = None
        if rnd.results_message_id is None:
            results = await self.compute(rnd)
            choices = await store.plans.choices(results.ws.id)
            corrections = await store.plans.corrections(results.ws.chat_id)
            entries = self.plan_entries(results, choices, corrections)
            await store.plans.replace(results.ws.id, rnd.id, entries)
            wheel = await self.post_wheel(results)
            await store.rounds.set_results_message(rnd.id, wheel)
        if rnd.report_message_id is None:
            results = results or await self.compute(rnd)
            report = await self.post_report(results)
            await store.rounds.set_report_message(rnd.id, report)
        return await store.rounds.get(rnd.id) or rnd

    def warm(self) -> None:
        """A round opened: start the render worker and load the channel model in a thread
        now, so that closing it does neither on the event loop."""
        self.renderer.warm()
        self.ctx.spawn(self._load_model())

    @staticmethod
    async def _load_model() -> None:
        await asyncio.to_thread(load_model)

    def plan_entries(
        self,
        results: Results,
        choices: Mapping[int, Choice],
        corrections: Mapping[str, str] | None = None,
    ) -> list[Entry]:
        """Every rated spoke, weakest first, with its action; the short plan flagged. A
        touchpoint the team never filed takes the channel it filed the same or a
        near-identical one under in this chat (`corrections`)."""
        texts = {i.touchpoint_id: i.text for i in results.items}
        chosen = dict(choices)
        for tp_id, text in texts.items():
            choice = chosen.get(tp_id, Choice())
            if choice.channel is None and corrections:
                channel = corrected(normalise(text), corrections)
                if channel is not None:
                    chosen[tp_id] = replace(choice, channel=channel)
        return build_plan(
            load_playbook(),
            results.score.plan_order,
            texts,
            results.ws.locale,
            results.score.mean,
            chosen,
        )

    async def wheel_png(self, results: Results) -> bytes:
        """The wheel for these results, drawn in the render worker, in the workshop's
        language."""
        with self.ctx.speaking(results.ws.locale):
            spec = wheel_spec(results)
        return await self.renderer.wheel(spec)

    async def plan_message(
        self, ws: Workshop, items: list[PlanItem], *, every: bool = False
    ) -> tuple[list[str], InlineKeyboardMarkup]:
        """The plan's lines (short, or every spoke) and the buttons under its items."""
        texts = {tp.id: tp.text for tp in await self.ctx.store.touchpoints.live(ws.id)}
        owners = await self.ctx.store.users.many([i.owner_id for i in items if i.owner_id])
        today = (await self.settings.today(ws.chat_id)).isoformat()
        playbook = load_playbook()
        unsure = {
            i.id
            for i in items
            if is_unsure(
                playbook,
                texts.get(i.touchpoint_id, ""),
                Choice(i.channel, i.suggestion, i.action if i.own_action else None),
            )
        }
        return (
            plan_lines(items, texts, owners, today, every=every, unsure=unsure),
            plan_keyboard(items, every=every, unsure=unsure),
        )

    async def post(self, results: Results) -> int:
        """The wheel, then the ranking and the plan; the wheel's message id."""
        wheel = await self.post_wheel(results)
        await self.post_report(results)
        return wheel

    async def post_wheel(self, results: Results) -> int:
        """The wheel with its caption, in the workshop's language; its message id."""
        ws = results.ws
        with self.ctx.speaking(ws.locale):
            text = caption(results)
        png = await self.wheel_png(results)
        wheel = await self.ctx.bot.send_photo(
            ws.chat_id,
            BufferedInputFile(png, "wheel.png"),
            caption=text,
            message_thread_id=ws.thread_id,
        )
        return wheel.message_id

    async def post_report(self, results: Results) -> int:
        """The ranking and the plan as one message (more only past Telegram's limit), the
        plan's buttons under it; the (last) message's id."""
        ws = results.ws
        plan = await self.ctx.store.plans.for_round(results.rnd.id)
        with self.ctx.speaking(ws.locale):
            ranking = table_lines(results)
            lines, keyboard = await self.plan_message(ws, plan)
        sent = await send_chunks(
            self.ctx.bot, ws.chat_id, [*ranking, "", *lines], keyboard, ws.thread_id
        )
        return sent.message_id
