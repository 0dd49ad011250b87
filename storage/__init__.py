"""Persistence: the SQLite database, its migrations and the repositories."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storage.db import Database
from storage.repos import (
    ChatRepo,
    CustomerRepo,
    JobRepo,
    PlanRepo,
    RoundRepo,
    ScheduleRepo,
    TouchpointRepo,
    UserRepo,
    WorkshopRepo,
)


@dataclass(frozen=True, slots=True)
class Storage:
    """The repositories over one open database."""

    db: Database
    chats: ChatRepo
    users: UserRepo
    workshops: WorkshopRepo
    touchpoints: TouchpointRepo
    jobs: JobRepo
    rounds: RoundRepo
    plans: PlanRepo
    schedules: ScheduleRepo
    customers: CustomerRepo

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        db = await Database.open(path)
        return cls(
            db=db,
            chats=ChatRepo(db),
            users=UserRepo(db),
            workshops=WorkshopRepo(db),
            touchpoints=TouchpointRepo(db),
            jobs=JobRepo(db),
            rounds=RoundRepo(db),
            plans=PlanRepo(db),
            schedules=ScheduleRepo(db),
            customers=CustomerRepo(db),
        )

    async def close(self) -> None:
        await self.db.close()
