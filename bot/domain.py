"""Names and plain values shared by the core, the storage and the layers above: phases,
stages, criteria, rater sources, plan entries. Imports nothing of the project, so storage can
use them without knowing `bot.core`."""

from __future__ import annotations

from dataclasses import dataclass
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

# Who gave a rating: a team member or a customer of the team (raters.source in the database).
TEAM = "team"
CUSTOMER = "customer"


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


@dataclass(frozen=True, slots=True)
class Choice:
    """What the team chose for a touchpoint's plan item."""

    channel: str | None = None  # set by the team; None: read from the text
    suggestion: int = 0  # which of the playbook's suggestions is shown
    own_action: str | None = None  # the team's own words, which win over any suggestion


@dataclass(frozen=True, slots=True)
class Entry:
    """One plan item as it is stored."""

    touchpoint_id: int
    criterion: Criterion
    action: str
    choice: Choice
    short: bool
    score: float | None
    weakest_score: float | None
    # Carried from the plan before (unfinished): its owner and date; the round it was first
    # made in; and whether its spoke recovered above the short plan's line.
    owner_id: int | None = None
    due_date: str | None = None
    made_round: int | None = None
    recovered: bool = False
