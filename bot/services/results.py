"""Results: score a closed round, write its plan, and post the wheel, ranking and plan."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message

from bot.context import AppContext
from bot.core.cooldown import Cooldown
from bot.core.effect import ActionRecord, Effect, Past, action_records, carry_over, plan_effect
from bot.core.filenames import file_name
from bot.core.ideas import normalise
from bot.core.plan import build_plan, corrected, is_unsure
from bot.core.playbook import load_model, load_playbook
from bot.core.scoring import Answer, RoundScore, score_round
from bot.domain import Choice, Entry, RoundStatus
from bot.services.render import Renderer
from bot.services.settings import ChatSettings
from bot.services.telegram import send_chunks
from bot.views.effect import effect_lines
from bot.views.plan import plan_keyboard, plan_lines
from bot.views.results import Results, again_later, caption, table_lines, wheel_spec
from storage.models import PlanItem, Round, RoundItem, Workshop


def overall_of(score: RoundScore) -> dict[int, float]:
    """Touchpoint -> overall score, for the rated spokes."""
    return {s.touchpoint_id: s.overall for s in score.spokes if s.overall is not None}


def past(item: PlanItem, round_number: int) -> Past:
    """A stored plan item of round `round_number` as the core sees it."""
    return Past(
        touchpoint_id=item.touchpoint_id,
        round=round_number,
        made_round=item.made_round or round_number,
        action=item.action,
        criterion=item.criterion,
        choice=Choice(item.channel, item.suggestion, item.action if item.own_action else None),
        short=item.short,
        owner_id=item.owner_id,
        due_date=item.due_date,
        done_at=item.done_at,
    )


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

    async def shown_rounds(self, workshop_id: int) -> list[Round]:
        """The workshop's closed rounds whose results were shown: what /history draws and the
        report's roundness trend follows."""
        return [
            r
            for r in await self.ctx.store.rounds.for_workshop(workshop_id)
            if r.status is RoundStatus.CLOSED and r.results_shown
        ]

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
        effect = None
        previous_plan: tuple[Past, ...] = ()
        if earlier:
            _items, _answers, last_score = await self.scored(earlier[-1], ws.chat_id)
            previous = overall_of(last_score)
            previous_roundness = last_score.roundness
            previous_plan, effect = await self.effect(ws, rnd, score, earlier, previous)
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
            effect=effect,
            previous_plan=previous_plan,
        )

    async def effect(
        self,
        ws: Workshop,
        rnd: Round,
        score: RoundScore,
        earlier: list[Round],
        previous: dict[int, float],
    ) -> tuple[tuple[Past, ...], Effect | None]:
        """The plan of the round before `rnd` as the core sees it, and what it did by `rnd`
        (statuses on the day `rnd` closed; changes since the round each item was made in,
        scored with today's weights like the rest)."""
        last = earlier[-1]
        plan = tuple(past(i, last.number) for i in await self.ctx.store.plans.for_round(last.id))
        by_round: dict[int, dict[int, float]] = {last.number: previous}
        for older in earlier[:-1]:
            if any(p.made_round == older.number for p in plan):
                _items, _answers, older_score = await self.scored(older, ws.chat_id)
                by_round[older.number] = overall_of(older_score)
        closed = (rnd.closed_at or rnd.deadline).astimezone(
            ZoneInfo(await self.settings.zone(ws.chat_id))
        )
        found = plan_effect(
            plan, overall_of(score), by_round, closed.date().isoformat(), last.number
        )
        return plan, found

    async def actions(self, results: Results) -> tuple[list[ActionRecord], dict[int, str]]:
        """Every action of the workshop's plans up to this round, with its history (see
        `action_records`), and each touchpoint's channel name in the workshop's language."""
        store = self.ctx.store
        ws, rnd = results.ws, results.rnd
        rounds = {
            r.id: r
            for r in await store.rounds.for_workshop(ws.id)
            if r.number <= rnd.number and r.status is RoundStatus.CLOSED
        }
        plan = await store.plans.for_workshop(ws.id)
        items = [past(i, rounds[i.round_id].number) for i in plan if i.round_id in rounds]
        by_round: dict[int, dict[int, float]] = {rnd.number: overall_of(results.score)}
        for older in rounds.values():
            if older.number not in by_round and any(p.made_round == older.number for p in items):
                _items, _answers, older_score = await self.scored(older, ws.chat_id)
                by_round[older.number] = overall_of(older_score)
        closed = [r.number for r in rounds.values()]
        records = action_records(items, closed, by_round[rnd.number], by_round)
        playbook = load_playbook()
        texts = {tp.id: tp.text for tp in await store.touchpoints.live(ws.id)}
        channels = {
            p.touchpoint_id: (
                playbook.named(p.choice.channel)
                or playbook.channel_for(texts.get(p.touchpoint_id, ""))
            ).label(ws.locale)
            for p in (r.item for r in records)
        }
        return records, channels

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
        carried, after_done = carry_over(results.previous_plan, texts.keys())
        chosen = {**choices, **after_done}
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
            carried,
            results.rnd.number,
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
        zone = await self.settings.zone(ws.chat_id)
        rnd = await self.ctx.store.rounds.get(items[0].round_id) if items else None
        current = rnd.number if rnd else None
        return (
            plan_lines(
                items, texts, owners, today, every=every, unsure=unsure, zone=zone, current=current
            ),
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
            BufferedInputFile(png, file_name(results.rnd.number, "wheel")),
            caption=text,
            message_thread_id=ws.thread_id,
        )
        return wheel.message_id

    async def post_report(self, results: Results) -> int:
        """The ranking and the plan as one message (more only past Telegram's limit), the
        plan's buttons under it; the (last) message's id."""
        ws = results.ws
        plan = await self.ctx.store.plans.for_round(results.rnd.id)
        effect = await self.effect_message(results, plan)
        with self.ctx.speaking(ws.locale):
            ranking = table_lines(results)
            lines, keyboard = await self.plan_message(ws, plan)
        sent = await send_chunks(
            self.ctx.bot, ws.chat_id, [*ranking, "", *effect, *lines], keyboard, ws.thread_id
        )
        return sent.message_id

    async def effect_message(self, results: Results, plan: list[PlanItem]) -> list[str]:
        """What the plan before did, in the workshop's language, with a blank line after
        ([] in a first round or after an empty plan)."""
        effect = results.effect
        if effect is None:
            return []
        names = {
            tp.id: (tp.number, tp.text)
            for tp in await self.ctx.store.touchpoints.live(results.ws.id)
        }
        names.update({i.touchpoint_id: (i.number, i.text) for i in results.items})
        owners = await self.ctx.store.users.many(
            [o.item.owner_id for o in effect.outcomes if o.item.owner_id]
        )
        following = {i.touchpoint_id: i.action for i in plan}
        with self.ctx.speaking(results.ws.locale):
            lines = effect_lines(effect, names, owners, results.zone, following)
        return [*lines, ""]
