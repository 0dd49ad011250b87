"""Every scheduled job kind and the service method it runs; ticks and shutdown hooks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiogram import Dispatcher

from bot.domain import JobKind
from bot.scheduler import JobHandler, JobScheduler
from bot.services.board import Boards
from bot.services.brainstorm import BrainstormService
from bot.services.chats import ChatEvents
from bot.services.customers import CustomerService
from bot.services.export import ExportService
from bot.services.followup import FollowUpService
from bot.services.ideas import IdeaService
from bot.services.rating import RatingService
from bot.services.render import Renderer
from bot.services.results import ResultsService
from bot.services.review import ReviewService
from bot.services.settings import ChatSettings
from bot.services.steering import Steering
from bot.services.wizard import WizardService
from bot.services.workshops import Workshops

BOARD_TICK_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Services:
    """Every service of one running bot; each is a dispatcher key of the same name."""

    renderer: Renderer
    steering: Steering
    settings: ChatSettings
    boards: Boards
    results: ResultsService
    export: ExportService
    workshops: Workshops
    wizard: WizardService
    rating: RatingService
    review: ReviewService
    brainstorm: BrainstormService
    ideas: IdeaService
    followup: FollowUpService
    chats: ChatEvents
    customers: CustomerService


def job_table(services: Services) -> Mapping[JobKind, JobHandler]:
    """The one place that says which method runs when a job falls due."""
    return {
        JobKind.BRAINSTORM_END: services.brainstorm.finish,
        JobKind.BRAINSTORM_WARN: services.brainstorm.warn,
        JobKind.RATING_CLOSE: services.rating.deadline,
        JobKind.RATING_REMIND: services.rating.remind,
        JobKind.DUE_REMINDER: services.followup.due_reminders,
        JobKind.SCHEDULED_ROUND: services.followup.scheduled_round,
        JobKind.PUBLISH_RESULTS: services.rating.publish,
    }


def install(scheduler: JobScheduler, dp: Dispatcher, services: Services) -> None:
    """Register every job handler and the board tick; let live edits finish at shutdown."""
    table = job_table(services)
    missing = set(JobKind) - set(table)
    if missing:
        raise RuntimeError(f"no handler for job kinds {sorted(missing)}")
    for kind, handler in table.items():
        scheduler.register(kind, handler)
    scheduler.every(BOARD_TICK_SECONDS, services.boards.tick, "board-tick")
    dp.shutdown.register(services.boards.close)
    dp.shutdown.register(services.rating.progress.close)
    dp.shutdown.register(services.renderer.close)
