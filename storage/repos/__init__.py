"""One repository per aggregate; each returns frozen records from `storage.models`."""

from storage.repos.chats import ChatRepo
from storage.repos.customers import CustomerRepo
from storage.repos.jobs import JobRepo
from storage.repos.plans import PlanRepo
from storage.repos.rounds import RoundRepo
from storage.repos.schedules import ScheduleRepo
from storage.repos.touchpoints import Matcher, TouchpointRepo
from storage.repos.users import UserRepo
from storage.repos.workshops import WorkshopRepo

__all__ = [
    "ChatRepo",
    "CustomerRepo",
    "JobRepo",
    "Matcher",
    "PlanRepo",
    "RoundRepo",
    "ScheduleRepo",
    "TouchpointRepo",
    "UserRepo",
    "WorkshopRepo",
]
