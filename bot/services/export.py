"""Export: the files /export sends for the latest results."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.core import sheets
from bot.core.effect import ActionRecord
from bot.core.filenames import file_name
from bot.domain import CUSTOMER
from bot.services.results import ResultsService
from bot.views import export as views
from bot.views.results import Results
from storage.models import PlanItem, User


@dataclass(frozen=True)
class Actions:
    """Every action of the workshop's plans (`names`: touchpoint -> number and text;
    `channels`: touchpoint -> channel name)."""

    records: Sequence[ActionRecord]
    names: Mapping[int, tuple[int, str]]
    channels: Mapping[int, str]


def build(
    results: Results,
    plan: Sequence[PlanItem],
    owners: Mapping[int, User],
    actions: Actions,
    trend: Sequence[tuple[int, float]] = (),
) -> tuple[sheets.Sheets, list[tuple[str, bytes]]]:
    """The workbook's sheets, and the CSVs and the Markdown report as files (`trend`: the
    roundness of every round shown so far). A big round's answers take a while, so this
    runs in a thread (the workbook in the render worker)."""
    locale = results.ws.locale
    done = views.actions_table(
        actions.records, actions.names, actions.channels, owners, results.zone
    )
    touchpoints = views.touchpoint_table(results, plan, owners)
    answers = views.answer_table(results)
    customers = views.answer_table(results, CUSTOMER)
    texts = {i.touchpoint_id: i.text for i in results.items}
    tables = [
        (_("Touchpoints"), touchpoints),
        (_("Answers"), answers),
        (_("Action plan"), views.plan_table(plan, texts, owners)),
        (_("Actions"), done),
    ]
    n = results.rnd.number
    files = [
        (file_name(n, "touchpoints", "csv"), sheets.to_csv(touchpoints, locale)),
        (file_name(n, "answers", "csv"), sheets.to_csv(answers, locale)),
    ]
    if results.with_customers:
        tables.insert(2, (_("Customers' answers"), customers))
        files.append((file_name(n, "customer-answers", "csv"), sheets.to_csv(customers, locale)))
    report = views.report(results, plan, owners, trend) + views.actions_report(done)
    files.append((file_name(n, "report", "md"), report.encode("utf-8")))
    return tables, files


@dataclass(eq=False)
class ExportService:
    """Builds the workbook, the CSVs, the Markdown report and the wheel for one round's
    results, none of it on the event loop."""

    ctx: AppContext
    results: ResultsService

    async def files(self, results: Results) -> list[tuple[str, bytes]]:
        """(file name, content) for every file of the export, in the order they are sent."""
        plan = await self.ctx.store.plans.for_round(results.rnd.id)
        owners = await self.ctx.store.users.many([p.owner_id for p in plan if p.owner_id])
        records, channels = await self.results.actions(results)
        owners.update(
            await self.ctx.store.users.many([r.item.owner_id for r in records if r.item.owner_id])
        )
        live = await self.ctx.store.touchpoints.live(results.ws.id)
        actions = Actions(records, {tp.id: (tp.number, tp.text) for tp in live}, channels)
        trend = await self.roundness(results)
        with self.ctx.speaking(results.ws.locale):
            # The thread runs in a copy of this context: in the workshop's language.
            tables, files = await asyncio.to_thread(build, results, plan, owners, actions, trend)
        workbook = await self.results.renderer.workbook(tables, results.ws.locale)
        png = await self.results.wheel_png(results)
        n = results.rnd.number
        return [(file_name(n, ext="xlsx"), workbook), *files, (file_name(n, "wheel"), png)]

    async def roundness(self, results: Results) -> list[tuple[int, float]]:
        """(round number, roundness) of every round whose results were shown, up to this
        one: the report's trend, the same rounds /history draws."""
        earlier = [
            r
            for r in await self.results.shown_rounds(results.ws.id)
            if r.number < results.rnd.number
        ]
        trend = []
        for rnd in earlier:
            _items, _answers, score = await self.results.scored(rnd, results.ws.chat_id)
            trend.append((rnd.number, score.roundness))
        return [*trend, (results.rnd.number, results.score.roundness)]
