"""Export: the files /export sends for the latest results."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from bot.context import AppContext
from bot.domain import CUSTOMER
from bot.services.results import ResultsService
from bot.views import export as views
from bot.views.results import Results


@dataclass(eq=False)
class ExportService:
    """Builds the CSVs, the Markdown report and the wheel for one round's results."""

    ctx: AppContext
    results: ResultsService

    async def files(self, results: Results) -> list[tuple[str, bytes]]:
        """(file name, content) for every file of the export, in the order they are sent."""
        plan = await self.ctx.store.plans.for_round(results.rnd.id)
        owners = await self.ctx.store.users.many([p.owner_id for p in plan if p.owner_id])
        texts = {i.touchpoint_id: i.text for i in results.items}
        locale = results.ws.locale
        records, channels = await self.results.actions(results)
        owners.update(
            await self.ctx.store.users.many([r.item.owner_id for r in records if r.item.owner_id])
        )
        names = {
            tp.id: (tp.number, tp.text)
            for tp in await self.ctx.store.touchpoints.live(results.ws.id)
        }
        with self.ctx.speaking(locale):
            actions = views.actions_table(records, names, channels, owners, results.zone)
            report = views.report(results, plan) + views.actions_report(actions)
            touchpoints = views.touchpoint_table(results, plan, owners)
            answers = views.answer_table(results)
            customers = views.answer_table(results, CUSTOMER)
            sheets = [
                (_("Touchpoints"), touchpoints),
                (_("Answers"), answers),
                (_("Action plan"), views.plan_table(plan, texts, owners)),
                (_("Actions"), actions),
            ]
            if results.with_customers:
                sheets.insert(2, (_("Customers' answers"), customers))
        png = await self.results.wheel_png(results)
        stem = f"touchwheel-round{results.rnd.number}"
        files = [
            (f"{stem}.xlsx", views.to_xlsx(sheets)),
            (f"{stem}-touchpoints.csv", views.to_csv(touchpoints, locale)),
            (f"{stem}-answers.csv", views.to_csv(answers, locale)),
        ]
        if results.with_customers:
            files.append((f"{stem}-customer-answers.csv", views.to_csv(customers, locale)))
        return [
            *files,
            (f"{stem}-report.md", report.encode("utf-8")),
            (f"{stem}-wheel.png", png),
        ]
