"""The rating wizard's steps: each spoke asked on each criterion, in order."""

from __future__ import annotations

from collections.abc import Collection

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


def progress_bar(done: int, total: int, width: int = 10) -> str:
    filled = 0 if total <= 0 else round(width * min(done, total) / total)
    return "▓" * filled + "░" * (width - filled)
