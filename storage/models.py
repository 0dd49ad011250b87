"""Frozen records the repositories hand to the rest of the code."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import TEAM, Criterion, JobKind, Phase, RoundStatus, Stage


@dataclass(frozen=True, slots=True)
class Chat:
    id: int
    title: str
    locale: str | None
    timezone: str | None
    settings: dict[str, object] = field(default_factory=dict, hash=False, compare=False)
    migrated_to: int | None = None
    paused: bool = False


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str | None
    full_name: str
    language_code: str | None
    started_bot: bool
    blocked_bot: bool


@dataclass(frozen=True, slots=True)
class Workshop:
    id: int
    chat_id: int
    topic: str
    facilitator_id: int
    locale: str
    phase: Phase
    idea_token: str
    board_message_id: int | None
    started_at: datetime
    deadline: datetime | None
    ended_at: datetime | None
    round_seconds: int | None = None
    customer_token: str | None = None
    list_posted: bool = False
    thread_id: int | None = None  # the forum topic it lives in (None: no topics / general)
    list_parts: int = 0  # messages of the bell's list posted so far
    board_pinned: bool = False  # the bot pinned the board (and so unpins it)


@dataclass(frozen=True, slots=True)
class Touchpoint:
    id: int
    workshop_id: int
    number: int
    text: str
    norm: str
    stage: Stage
    author_id: int
    shortlisted: bool
    votes: int
    contributors: tuple[int, ...]
    customers: int = 0


@dataclass(frozen=True, slots=True)
class NewIdea:
    """An idea line ready to store: its text, normalised form and stage."""

    text: str
    norm: str
    stage: Stage


@dataclass(frozen=True, slots=True)
class AddOutcome:
    """What storing one message's ideas did."""

    added: tuple[Touchpoint, ...] = ()
    plus_ones: tuple[Touchpoint, ...] = ()
    already_seen: bool = False
    over_limit: tuple[str, ...] = ()
    workshop_closed: bool = False


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    workshop_id: int
    number: int
    token: str
    status: RoundStatus
    opened_at: datetime
    deadline: datetime
    closed_at: datetime | None
    message_id: int | None
    results_shown: bool
    members: int | None = None
    close_offer_message_id: int | None = None
    results_message_id: int | None = None  # the wheel
    report_message_id: int | None = None  # the ranking and plan
    published: bool = False  # every step of the publication is done


@dataclass(frozen=True, slots=True)
class RoundItem:
    """A touchpoint as a spoke of one round: its place on the wheel (`position`, from 1),
    its number from /list (`number`, the one people see everywhere) and its text."""

    position: int
    touchpoint_id: int
    number: int
    text: str
    stage: Stage


@dataclass(frozen=True, slots=True)
class Rater:
    round_id: int
    user_id: int
    wizard_message_id: int | None
    started_at: datetime
    finished_at: datetime | None
    source: str = TEAM


# A rater's answers: (touchpoint id, criterion) -> value (None = skipped).
Answers = dict[tuple[int, Criterion], int | None]


@dataclass(frozen=True, slots=True)
class RaterState:
    """Everything a tap in the wizard needs, read together: the round, its workshop and
    spokes, the rater (None: not in this round) and their answers so far."""

    round: Round
    workshop: Workshop
    items: tuple[RoundItem, ...]
    rater: Rater | None
    answers: Answers


@dataclass(frozen=True, slots=True)
class Rating:
    round_id: int
    touchpoint_id: int
    rater_id: int
    criterion: Criterion
    value: int | None
    source: str


@dataclass(frozen=True, slots=True)
class PlanItem:
    id: int
    workshop_id: int
    round_id: int
    touchpoint_id: int
    position: int
    criterion: Criterion
    action: str
    number: int
    owner_id: int | None
    due_date: str | None
    done_at: datetime | None
    short: bool = True
    channel: str | None = None
    suggestion: int = 0
    own_action: bool = False
    score: float | None = None
    weakest_score: float | None = None
    made_round: int | None = None  # the round number the item was first made in
    recovered: bool = False  # carried over, its spoke rose above the short plan's line


@dataclass(frozen=True, slots=True)
class Schedule:
    chat_id: int
    spec: str
    at_time: str
    start_date: str | None
    last_fire: datetime | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    kind: JobKind
    ref_id: int
    run_at: datetime
    attempts: int = 0  # failed runs so far
    steps: frozenset[str] = frozenset()  # steps a failed run finished (a retry skips them)
