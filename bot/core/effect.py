"""What the plan did: each item of the previous plan with its status beside its spoke's
change since the round the item was made in, done against untouched spokes; and which
unfinished items carry over to the next plan.

This is correlation: a spoke moved while its action was done. Nothing here says the action
caused it, and the texts built on it say "moved", never "caused".
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain import Choice, Criterion

# A done action whose spoke rose less than this (or fell) is "done, no change yet".
MOVED = 0.5


class Status(StrEnum):
    DONE = "done"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Past:
    """A plan item as the core needs it: from the plan of round `round`, first made in
    round `made_round`."""

    touchpoint_id: int
    round: int
    made_round: int
    action: str
    criterion: Criterion
    choice: Choice = field(default_factory=Choice)
    short: bool = True
    owner_id: int | None = None
    due_date: str | None = None  # ISO date
    done_at: datetime | None = None

    @property
    def on_plan(self) -> bool:
        """The team saw it on the plan or took it up: the short plan, an owner, a date or a
        done mark (the other spokes' items wait in /plan all)."""
        return self.short or bool(self.owner_id or self.due_date or self.done_at)


def status(item: Past, today: str) -> Status:
    """Done; overdue (a due date before `today`, ISO); in progress (an owner or a date); or
    not started."""
    if item.done_at is not None:
        return Status.DONE
    if item.due_date is not None and item.due_date < today:
        return Status.OVERDUE
    if item.owner_id is not None or item.due_date is not None:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def change(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


def average(values: Iterable[float]) -> float | None:
    found = list(values)
    return statistics.fmean(found) if found else None


@dataclass(frozen=True, slots=True)
class Outcome:
    """One item of the previous plan, its status, and how far its spoke moved since the
    round it was made in (None: the spoke is not rated in one of the two)."""

    item: Past
    status: Status
    change: float | None

    @property
    def stalled(self) -> bool:
        """Done, but its spoke did not move (or fell): "done, no change yet"."""
        return self.status is Status.DONE and (self.change is None or self.change < MOVED)


@dataclass(frozen=True, slots=True)
class Effect:
    """What the plan of round `since` did by this round."""

    since: int
    outcomes: tuple[Outcome, ...]
    done: int  # done actions whose spoke is rated in both rounds
    done_change: float | None  # their spokes' mean change
    others: int  # spokes rated in this round and the last without a done action
    others_change: float | None  # their mean change since the last round

    def done_ids(self) -> set[int]:
        """The spokes whose action was done since the last round."""
        return {o.item.touchpoint_id for o in self.outcomes if o.status is Status.DONE}


def plan_effect(
    previous: Sequence[Past],
    now: Mapping[int, float],
    by_round: Mapping[int, Mapping[int, float]],
    today: str,
    since: int,
) -> Effect | None:
    """The previous plan's items (those the team saw or took up), each with its status on
    `today` and its spoke's change from the round it was made in (`by_round`: round number
    -> touchpoint -> overall) to `now`; then done against the rest: the spokes rated now
    and in round `since` that had no done action, with their change since that round.
    None when the previous plan had nothing on it."""
    listed = [p for p in previous if p.on_plan]
    if not listed:
        return None
    outcomes = tuple(
        Outcome(
            item=p,
            status=status(p, today),
            change=change(
                now.get(p.touchpoint_id), by_round.get(p.made_round, {}).get(p.touchpoint_id)
            ),
        )
        for p in listed
    )
    done = [o for o in outcomes if o.status is Status.DONE and o.change is not None]
    done_ids = {o.item.touchpoint_id for o in outcomes if o.status is Status.DONE}
    last = by_round.get(since, {})
    others = [
        c
        for tp, value in now.items()
        if tp not in done_ids and (c := change(value, last.get(tp))) is not None
    ]
    return Effect(
        since=since,
        outcomes=outcomes,
        done=len(done),
        done_change=average(o.change for o in done if o.change is not None),
        others=len(others),
        others_change=average(others),
    )


@dataclass(frozen=True, slots=True)
class Carried:
    """An unfinished item that stays on the new plan with its owner, date and action."""

    made_round: int
    action: str
    criterion: Criterion
    choice: Choice
    owner_id: int | None
    due_date: str | None


def carry_over(
    previous: Sequence[Past], rated: Collection[int]
) -> tuple[dict[int, Carried], dict[int, Choice]]:
    """From the previous plan: the unfinished items (on the plan, not done, their spoke
    still rated) that carry over as they are, by touchpoint; and for each done item the
    choice that leads to its channel's next action (the team's own words are done with)."""
    carried: dict[int, Carried] = {}
    after_done: dict[int, Choice] = {}
    for p in previous:
        if p.touchpoint_id not in rated:
            continue
        if p.done_at is not None:
            after_done[p.touchpoint_id] = Choice(p.choice.channel, p.choice.suggestion + 1)
        elif p.on_plan:
            carried[p.touchpoint_id] = Carried(
                made_round=p.made_round,
                action=p.action,
                criterion=p.criterion,
                choice=p.choice,
                owner_id=p.owner_id,
                due_date=p.due_date,
            )
    return carried, after_done


def round_done(item: Past, closed: Collection[int]) -> int | None:
    """The round that first rated a done action: the first closed round (number) after the
    plan the item was done on. Counted by rounds, not clocks: an item can only be marked
    done while its plan is the current one, before the next round publishes."""
    if item.done_at is None:
        return None
    return min((n for n in closed if n > item.round), default=None)


def lineage(items: Iterable[Past]) -> list[Past]:
    """One row per action: an item carried from round to round is one action, shown as it
    stands in the latest plan that has it; only items that were on a plan; oldest first."""
    latest: dict[tuple[int, int], Past] = {}
    seen: set[tuple[int, int]] = set()
    for item in sorted(items, key=lambda p: p.round):
        key = (item.touchpoint_id, item.made_round)
        latest[key] = item
        if item.on_plan:
            seen.add(key)
    return sorted(
        (p for key, p in latest.items() if key in seen), key=lambda p: (p.made_round, p.round)
    )


def done_marks(items: Iterable[Past], charted: Sequence[int]) -> dict[int, list[int]]:
    """Where a trend chart marks done actions: touchpoint -> the indices (into `charted`,
    the round numbers on the chart, oldest first) of the round that first rated each of
    its done actions."""
    marks: dict[int, set[int]] = {}
    for item in items:
        found = round_done(item, charted)
        if found is not None:
            marks.setdefault(item.touchpoint_id, set()).add(charted.index(found))
    return {tp: sorted(found) for tp, found in marks.items()}


@dataclass(frozen=True, slots=True)
class ActionRecord:
    """One action's history: the item as it stands in the latest plan that has it, the
    first round rated after it was done, and its spoke's change since the round it was
    made in (to the latest round)."""

    item: Past
    round_done: int | None
    change: float | None


def action_records(
    items: Iterable[Past],
    closed: Collection[int],
    now: Mapping[int, float],
    by_round: Mapping[int, Mapping[int, float]],
) -> list[ActionRecord]:
    """Every action the workshop's plans had (`lineage`), oldest first, with when it was
    done and how far its spoke moved since it was made."""
    return [
        ActionRecord(
            item=p,
            round_done=round_done(p, closed),
            change=change(
                now.get(p.touchpoint_id), by_round.get(p.made_round, {}).get(p.touchpoint_id)
            ),
        )
        for p in lineage(items)
    ]
