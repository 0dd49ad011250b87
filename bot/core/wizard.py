"""The rating wizard's steps: each spoke asked on each criterion, in order."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bot.domain import CRITERIA, Criterion


def total_steps(items: int) -> int:
    return items * len(CRITERIA)


def step_of(step: int) -> tuple[int, Criterion]:
    """Step number -> (spoke index from 0, criterion)."""
    return step // len(CRITERIA), CRITERIA[step % len(CRITERIA)]


def step_for(item: int, criterion: Criterion) -> int:
    return item * len(CRITERIA) + CRITERIA.index(criterion)


def next_open(answered: Collection[int], total: int, after: int = -1) -> int | None:
    """The first unanswered step after `after`, else the first one at all, else None."""
    order: list[int] = [*range(after + 1, total), *range(min(after + 1, total))]
    gaps: list[int] = [step for step in order if step not in answered]
    return gaps[0] if gaps else None


def answered_steps(spokes: Sequence[int], answered: Collection[tuple[int, Criterion]]) -> set[int]:
    """The steps answered (skips included), given the spokes' touchpoint ids in wheel order
    and the (touchpoint id, criterion) pairs a rater has answered."""
    return {
        step_for(index, criterion)
        for index, touchpoint_id in enumerate(spokes)
        for criterion in CRITERIA
        if (touchpoint_id, criterion) in answered
    }


def is_complete(spokes: Sequence[int], answered: Collection[tuple[int, Criterion]]) -> bool:
    return len(answered_steps(spokes, answered)) == total_steps(len(spokes))


def step_after(
    step: int, spokes: Sequence[int], answered: Collection[tuple[int, Criterion]]
) -> int | None:
    """Where the wizard goes after `step`: the rest of this spoke, then the next gap."""
    total = total_steps(len(spokes))
    nxt = step + 1
    if nxt < total and step_of(nxt)[0] == step_of(step)[0]:
        return nxt
    return next_open(answered_steps(spokes, answered), total, after=step)


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = 0 if total <= 0 else round(width * min(done, total) / total)
    return "▓" * filled + "░" * (width - filled)
