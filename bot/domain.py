"""Names shared by the core, the storage and the handlers: phases, stages, criteria."""

from __future__ import annotations

from enum import StrEnum


class Phase(StrEnum):
    BRAINSTORM = "brainstorm"
    REVIEW = "review"
    RATING = "rating"
    RESULTS = "results"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Whether a workshop in this phase blocks a new one in the same chat."""
        return self in (Phase.BRAINSTORM, Phase.REVIEW, Phase.RATING)


class Stage(StrEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"
    NONE = "none"


class Criterion(StrEnum):
    SIMPLICITY = "simplicity"
    CONVENIENCE = "convenience"
    SPEED = "speed"


CRITERIA: tuple[Criterion, ...] = (Criterion.SIMPLICITY, Criterion.CONVENIENCE, Criterion.SPEED)


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class JobKind(StrEnum):
    BRAINSTORM_END = "brainstorm_end"
    BRAINSTORM_WARN = "brainstorm_warn"
    RATING_CLOSE = "rating_close"
    RATING_REMIND = "rating_remind"
    DUE_REMINDER = "due_reminder"
    SCHEDULED_ROUND = "scheduled_round"
    PUBLISH_RESULTS = "publish_results"
