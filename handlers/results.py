"""Results: the wheel, the ranking table and the action plan; /results and /export."""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass
from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.core.playbook import load_playbook
from bot.core.scoring import Answer, RoundScore, SpokeScore, Verdict, score_round
from bot.core.text import chunk_lines, shorten
from bot.core.wheel import Spoke, WheelSpec, render_wheel
from bot.domain import CRITERIA, Criterion, RoundStatus, Stage
from handlers.board import stage_label
from handlers.flow import Flow
from handlers.rating import RatingFlow, criterion_name
from storage.models import PlanItem, Round, RoundItem, User, Workshop

PLAN_BELOW = 8.0
TABLE_NAME_WIDTH = 16


@dataclass(frozen=True, slots=True)
class Results:
    """One closed round, scored, with the round before it for comparison."""

    ws: Workshop
    rnd: Round
    items: tuple[RoundItem, ...]
    score: RoundScore
    answers: tuple[Answer, ...]
    previous: dict[int, float]
    previous_roundness: float | None
    chat_title: str
    zone: str

    def spoke(self, item: RoundItem) -> SpokeScore:
        return self.score.spokes[item.position - 1]


def verdict_text(score: RoundScore) -> str:
    texts = {
        Verdict.ROUND: _("round: a smooth ride"),
        Verdict.OVAL: _("oval: the ride wobbles"),
        Verdict.BUMPY: _("bumpy: the service jolts customers"),
    }
    text = texts[score.verdict]
    if score.slow and score.verdict is Verdict.ROUND:
        text += " " + _("(but small: it rolls evenly, yet slowly)")
    return text


def delta_text(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    change = now - before
    if abs(change) < 0.05:
        return "＝"
    return f"▲ +{change:.1f}" if change > 0 else f"▼ −{abs(change):.1f}"


class ResultsFlow:
    def __init__(self, flow: Flow, rating: RatingFlow) -> None:
        self.flow = flow
        self.ctx = flow.ctx
        rating.closed_hooks.append(self.on_closed)

    async def scored(self, rnd: Round) -> tuple[list[RoundItem], tuple[Answer, ...], RoundScore]:
        """One round's spokes, answers and scores."""
        items = await self.ctx.store.rounds.items(rnd.id)
        answers = tuple(
            Answer(r.touchpoint_id, r.rater_id, r.criterion, r.value, r.source)
            for r in await self.ctx.store.rounds.ratings(rnd.id)
        )
        return items, answers, score_round([i.touchpoint_id for i in items], answers)

    async def compute(self, rnd: Round) -> Results:
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
            zone=await self.flow.zone(ws.chat_id),
        )

    async def on_closed(self, round_id: int) -> None:
        """A round closed: write the plan, then show everything to the group."""
        rnd = await self.ctx.store.rounds.get(round_id)
        if rnd is None:
            return
        results = await self.compute(rnd)
        await self.ctx.store.plans.replace(results.ws.id, rnd.id, self.plan_entries(results))
        await self.post(results)

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

    # --- what the group sees -------------------------------------------------------------

    def title(self, results: Results) -> str:
        closed = results.rnd.closed_at or results.rnd.deadline
        date = closed.astimezone(ZoneInfo(results.zone)).strftime("%d.%m.%Y")
        name = results.ws.topic or results.chat_title or "Touchwheel"
        return f"{name} · {date}"

    def caption(self, results: Results) -> str:
        score = results.score
        lines = [
            f"🛞 <b>{escape(self.title(results))}</b> · "
            + _("round {n}").format(n=results.rnd.number),
            _("Roundness {index}/100: {verdict}").format(
                index=round(score.roundness), verdict=verdict_text(score)
            ),
            _("{raters} rated · mean score {mean:.1f}").format(
                raters=score.raters, mean=score.mean
            ),
        ]
        if results.previous_roundness is not None:
            lines.append(
                _("Roundness trend: {before} → {now}").format(
                    before=round(results.previous_roundness), now=round(score.roundness)
                )
            )
        return "\n".join(lines)

    def wheel_spec(self, results: Results) -> WheelSpec:
        score = results.score
        spokes = [
            Spoke(
                number=item.position,
                label=item.text,
                stage=item.stage,
                value=results.spoke(item).overall,
                previous=results.previous.get(item.touchpoint_id),
                customer=results.spoke(item).customer,
            )
            for item in results.items
        ]
        return WheelSpec(
            title=self.title(results),
            subtitle=_("{raters} rated · roundness {index}/100: {verdict}").format(
                raters=score.raters, index=round(score.roundness), verdict=verdict_text(score)
            ),
            spokes=spokes,
            mean=score.mean if score.ranking else None,
            stage_names={s: stage_label(s) for s in (Stage.BEFORE, Stage.DURING, Stage.AFTER)},
            legend_team=_("Team"),
            legend_previous=_("Previous round"),
            legend_customer=_("Customers"),
            legend_mean=_("Mean: a round wheel at this level"),
        )

    def table_lines(self, results: Results) -> list[str]:
        """The ranking as a monospace table, numbered like the spokes."""
        abbrev = [_("S"), _("C"), _("R")]
        name_head, all_head = _("Touchpoint"), _("All")
        compare = bool(results.previous)
        header = (
            f"{'#':>2} {name_head:<{TABLE_NAME_WIDTH}} "
            + " ".join(f"{a:>4}" for a in abbrev)
            + f" {all_head:>4} {'n':>2}"
            + ("   Δ" if compare else "")
        )
        rows = [header]
        by_id = {i.touchpoint_id: i for i in results.items}
        ranked = list(results.score.ranking) + [
            s for s in results.score.spokes if s.overall is None
        ]
        for spoke in ranked:
            item = by_id[spoke.touchpoint_id]
            means = [spoke.criteria[c].mean for c in CRITERIA]
            cells = " ".join("   —" if m is None else f"{m:>4.1f}" for m in means)
            overall = "   —" if spoke.overall is None else f"{spoke.overall:>4.1f}"
            row = (
                f"{item.position:>2} {shorten(item.text, TABLE_NAME_WIDTH):<{TABLE_NAME_WIDTH}} "
                f"{cells} {overall} {spoke.raters:>2}"
            )
            if compare:
                row += " " + delta_text(spoke.overall, results.previous.get(spoke.touchpoint_id))
            if spoke.disagreement:
                row += " ⚠"
            rows.append(escape(row))
        lines = [_("📊 <b>Ranking</b>"), "<pre>" + "\n".join(rows) + "</pre>"]
        lines.append(
            _(
                "{s} simplicity · {c} convenience · {r} response speed · n raters · ⚠ the team "
                "disagrees here: talk it through"
            ).format(s=abbrev[0], c=abbrev[1], r=abbrev[2])
        )
        return lines

    async def plan_lines(self, results: Results, plan: list[PlanItem]) -> list[str]:
        by_id = {i.touchpoint_id: i for i in results.items}
        owners = await self.ctx.store.users.many([p.owner_id for p in plan if p.owner_id])
        lines = [_("🛠 <b>Action plan</b>, weakest first:")]
        for entry in plan:
            item = by_id.get(entry.touchpoint_id)
            if item is None:
                continue
            spoke = results.spoke(item)
            weakest = spoke.criteria[entry.criterion].mean
            head = _("{n}. <b>{text}</b>: {overall:.1f}, weakest: {criterion} ({value})").format(
                n=entry.position,
                text=escape(item.text),
                overall=spoke.overall or 0.0,
                criterion=criterion_name(entry.criterion).lower(),
                value="—" if weakest is None else f"{weakest:.1f}",
            )
            lines.append(head)
            lines.append(f"   → {escape(entry.action)}")
            extra = owner_due_text(entry, owners)
            if extra:
                lines.append(f"   {extra}")
        lines.append("")
        lines.append(_("Give each item an owner and a date: /assign N @user, /due N 2w, /done N."))
        return lines

    async def post(self, results: Results) -> None:
        """The wheel, the ranking and the plan, in the workshop's language."""
        ws = results.ws
        plan = await self.ctx.store.plans.for_round(results.rnd.id)
        with self.ctx.speaking(ws.locale):
            spec = self.wheel_spec(results)
            caption = self.caption(results)
            table = self.table_lines(results)
            plan_lines = await self.plan_lines(results, plan)
        layout = await asyncio.to_thread(render_wheel, spec)
        await self.ctx.bot.send_photo(
            ws.chat_id, BufferedInputFile(layout.png, "wheel.png"), caption=caption
        )
        for chunk in chunk_lines([*table, "", *plan_lines]):
            await self.ctx.bot.send_message(ws.chat_id, chunk)

    async def latest(self, chat_id: int) -> Results | None:
        ws = await self.ctx.store.workshops.latest(chat_id)
        if ws is None:
            return None
        closed = [
            r
            for r in await self.ctx.store.rounds.for_workshop(ws.id)
            if r.status is RoundStatus.CLOSED
        ]
        return await self.compute(closed[-1]) if closed else None

    # --- export ---------------------------------------------------------------------------

    async def export_files(self, results: Results) -> list[tuple[str, bytes]]:
        plan = {p.touchpoint_id: p for p in await self.ctx.store.plans.for_round(results.rnd.id)}
        owners = await self.ctx.store.users.many([p.owner_id for p in plan.values() if p.owner_id])
        rank = {s.touchpoint_id: n for n, s in enumerate(results.score.ranking, start=1)}
        table = io.StringIO()
        writer = csv.writer(table)
        writer.writerow(
            [
                "spoke",
                "touchpoint",
                "stage",
                "simplicity",
                "convenience",
                "speed",
                "overall",
                "raters",
                "spread",
                "disagreement",
                "rank",
                "weakest",
                "action",
                "owner",
                "due",
            ]
        )
        for item in results.items:
            spoke = results.spoke(item)
            entry = plan.get(item.touchpoint_id)
            owner = owners.get(entry.owner_id) if entry and entry.owner_id else None
            writer.writerow(
                [
                    item.position,
                    item.text,
                    item.stage.value,
                    *(_num(spoke.criteria[c].mean) for c in CRITERIA),
                    _num(spoke.overall),
                    spoke.raters,
                    _num(max(s.spread for s in spoke.criteria.values())),
                    int(spoke.disagreement),
                    rank.get(item.touchpoint_id, ""),
                    spoke.weakest.value if spoke.weakest else "",
                    entry.action if entry else "",
                    user_label(owner) if owner else "",
                    entry.due_date if entry and entry.due_date else "",
                ]
            )
        raw = io.StringIO()
        writer = csv.writer(raw)
        writer.writerow(["rater", "spoke", "touchpoint", "criterion", "value", "source"])
        pseudonyms: dict[int, str] = {}
        position = {i.touchpoint_id: i for i in results.items}
        for answer in sorted(
            results.answers, key=lambda a: (a.rater_id, position[a.touchpoint_id].position)
        ):
            alias = pseudonyms.setdefault(answer.rater_id, f"R{len(pseudonyms) + 1}")
            item = position[answer.touchpoint_id]
            writer.writerow(
                [
                    alias,
                    item.position,
                    item.text,
                    answer.criterion.value,
                    "" if answer.value is None else answer.value,
                    answer.source,
                ]
            )
        with self.ctx.speaking(results.ws.locale):
            report = await self.report(results)
            spec = self.wheel_spec(results)
        layout = await asyncio.to_thread(render_wheel, spec)
        stem = f"touchwheel-round{results.rnd.number}"
        return [
            (f"{stem}-touchpoints.csv", table.getvalue().encode("utf-8")),
            (f"{stem}-answers.csv", raw.getvalue().encode("utf-8")),
            (f"{stem}-report.md", report.encode("utf-8")),
            (f"{stem}-wheel.png", layout.png),
        ]

    async def report(self, results: Results) -> str:
        score = results.score
        lines = [
            f"# {self.title(results)}",
            "",
            _(
                "Round {n}: {raters} rated; roundness {index}/100: {verdict}; mean {mean:.1f}."
            ).format(
                n=results.rnd.number,
                raters=score.raters,
                index=round(score.roundness),
                verdict=verdict_text(score),
                mean=score.mean,
            ),
            "",
            "| # | "
            + _("Touchpoint")
            + " | "
            + " | ".join(criterion_name(c) for c in CRITERIA)
            + " | "
            + _("Overall")
            + " | n |",
            "|---|---|---|---|---|---|---|",
        ]
        by_id = {i.touchpoint_id: i for i in results.items}
        for spoke in score.ranking:
            ranked = by_id[spoke.touchpoint_id]
            cells = " | ".join(_num(spoke.criteria[c].mean, 1) for c in CRITERIA)
            flag = " ⚠" if spoke.disagreement else ""
            lines.append(
                f"| {ranked.position} | {ranked.text.replace('|', '/')}{flag} | {cells} | "
                f"{_num(spoke.overall, 1)} | {spoke.raters} |"
            )
        lines += ["", "## " + _("Action plan"), ""]
        for entry in await self.ctx.store.plans.for_round(results.rnd.id):
            item = by_id.get(entry.touchpoint_id)
            if item is not None:
                lines.append(
                    f"{entry.position}. **{item.text}** ({criterion_name(entry.criterion)})"
                    f": {entry.action}"
                )
        return "\n".join(lines) + "\n"


def _num(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def show_date(iso: str) -> str:
    """A stored ISO date as people here write it: 01.12.2026."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def user_label(user: User) -> str:
    return f"@{user.username}" if user.username else user.full_name


def owner_due_text(entry: PlanItem, owners: dict[int, User]) -> str:
    parts = []
    if entry.owner_id and entry.owner_id in owners:
        parts.append("👤 " + escape(user_label(owners[entry.owner_id])))
    if entry.due_date:
        parts.append("📅 " + show_date(entry.due_date))
    if entry.done_at:
        parts.append("✅")
    return " · ".join(parts)


# --- handlers ------------------------------------------------------------------------------


async def show_results(message: Message, results_flow: ResultsFlow) -> None:
    """/results: the latest closed round again."""
    results = await results_flow.latest(message.chat.id)
    if results is None:
        await message.reply(_("No results yet: they appear when a rating round closes."))
        return
    if not results.rnd.results_shown:
        await message.reply(_("The results of the last round are hidden: too few people rated."))
        return
    await results_flow.post(results)


async def export(message: Message, results_flow: ResultsFlow) -> None:
    """/export: CSV of touchpoints and of raw answers, a Markdown report and the PNG."""
    results = await results_flow.latest(message.chat.id)
    if results is None or not results.rnd.results_shown:
        await message.reply(_("No results yet: they appear when a rating round closes."))
        return
    for name, data in await results_flow.export_files(results):
        await message.answer_document(BufferedInputFile(data, name))


def make_router() -> Router:
    router = Router(name="results")
    group = F.chat.type.in_({"group", "supergroup"})
    router.message.register(show_results, Command("results"), group)
    router.message.register(export, Command("export"), group)
    return router
