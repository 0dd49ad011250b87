"""/results and /export."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.i18n import gettext as _

from bot.services.export import ExportService
from bot.services.results import ResultsService
from bot.services.steering import topic_of
from bot.views.common import NO_RESULTS
from bot.views.results import HIDDEN


async def show_results(message: Message, results: ResultsService) -> None:
    """/results: the latest closed round again."""
    if await results.cooling_down(message, "results"):
        return
    latest = await results.latest(message.chat.id, topic_of(message))
    if latest is None or not latest.rnd.results_shown:
        results.never_mind(message, "results")
        await message.reply(_(NO_RESULTS if latest is None else HIDDEN))
        return
    await results.post(latest)


async def send_export(message: Message, results: ResultsService, export: ExportService) -> None:
    """/export: CSV of touchpoints and of raw answers, a Markdown report and the PNG."""
    if await results.cooling_down(message, "export"):
        return
    latest = await results.latest(message.chat.id, topic_of(message))
    if latest is None or not latest.rnd.results_shown:
        results.never_mind(message, "export")
        await message.reply(_(NO_RESULTS))
        return
    for name, data in await export.files(latest):
        await message.answer_document(BufferedInputFile(data, name))


def group_router() -> Router:
    router = Router(name="results")
    router.message.register(show_results, Command("results"))
    router.message.register(send_export, Command("export"))
    return router
