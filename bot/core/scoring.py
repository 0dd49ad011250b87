"""Scoring, exactly as PRODUCT.md "Scoring" describes it: pure functions over answers."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain import CRITERIA, CUSTOMER, TEAM, Criterion

DISAGREEMENT_SPREAD = 2.5
DISAGREEMENT_RANGE = 6
DEFAULT_CUSTOMER_WEIGHT = 0.6
ROUND_FROM = 90.0
OVAL_FROM = 75.0
SLOW_BELOW = 5.0
GAP_FIRST = 2.0


class Verdict(StrEnum):
    ROUND = "round"
    OVAL = "oval"
    BUMPY = "bumpy"


@dataclass(frozen=True, slots=True)
class Answer:
    """One rater's answer on one spoke and criterion; None is a skip, not a zero."""

    touchpoint_id: int
    rater_id: int
    criterion: Criterion
    value: int | None
    source: str = TEAM


@dataclass(frozen=True, slots=True)
class CriterionStats:
    mean: float | None
    count: int
    spread: float
    low: int | None
    high: int | None

    @property
    def disagreement(self) -> bool:
        """The team should talk about this: spread >= 2.5 or range >= 6."""
        if self.low is None or self.high is None:
            return False
        return self.spread >= DISAGREEMENT_SPREAD or self.high - self.low >= DISAGREEMENT_RANGE


@dataclass(frozen=True, slots=True)
class SpokeScore:
    touchpoint_id: int
    position: int
    criteria: Mapping[Criterion, CriterionStats]
    team: float | None
    customer: float | None
    overall: float | None
    raters: int
    customer_raters: int

    @property
    def disagreement(self) -> bool:
        return any(stats.disagreement for stats in self.criteria.values())

    @property
    def gap(self) -> float | None:
        """Customers minus team: negative when customers see it worse than the team does."""
        if self.team is None or self.customer is None:
            return None
        return self.customer - self.team

    @property
    def customers_see_worse(self) -> bool:
        """Customers rate it at least GAP_FIRST points lower than the team: planned first
        among equals."""
        return self.gap is not None and self.gap <= -GAP_FIRST

    @property
    def weakest(self) -> Criterion | None:
        """The criterion with the lowest team mean (first in order on a tie)."""
        rated = [
            (s.mean, CRITERIA.index(c), c) for c, s in self.criteria.items() if s.mean is not None
        ]
        return min(rated)[2] if rated else None


@dataclass(frozen=True, slots=True)
class RoundScore:
    spokes: tuple[SpokeScore, ...]
    ranking: tuple[SpokeScore, ...]
    plan_order: tuple[SpokeScore, ...]
    roundness: float
    verdict: Verdict
    mean: float
    slow: bool
    raters: int
    weights: Mapping[Criterion, float] = field(default_factory=dict)
    customer_raters: int = 0
    customers_hidden: bool = False
    customer_weight: float = DEFAULT_CUSTOMER_WEIGHT

    @property
    def gaps(self) -> tuple[SpokeScore, ...]:
        """Spokes both sides rated, the widest perception gap first."""
        both = [s for s in self.spokes if s.gap is not None]
        return tuple(sorted(both, key=lambda s: (-abs(s.gap or 0.0), s.position)))


def criterion_stats(values: Sequence[int]) -> CriterionStats:
    if not values:
        return CriterionStats(mean=None, count=0, spread=0.0, low=None, high=None)
    return CriterionStats(
        mean=statistics.fmean(values),
        count=len(values),
        spread=statistics.pstdev(values) if len(values) > 1 else 0.0,
        low=min(values),
        high=max(values),
    )


def weighted(
    means: Mapping[Criterion, float | None], weights: Mapping[Criterion, float]
) -> float | None:
    """Weighted mean over the criteria that have a mean (weights renormalised)."""
    parts = [(m, weights.get(c, 1.0)) for c, m in means.items() if m is not None]
    total = sum(w for _, w in parts)
    if not parts or total <= 0:
        return None
    return sum(m * w for m, w in parts) / total


def roundness(values: Sequence[float]) -> float:
    """100 × (1 − stdev/mean) of the spoke scores, clipped to 0–100; equal spokes are 100."""
    if not values:
        return 0.0
    mean = statistics.fmean(values)
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    if math.isclose(spread, 0.0, abs_tol=1e-9):
        return 100.0
    if mean <= 0:
        return 0.0
    return max(0.0, min(100.0, 100.0 * (1.0 - spread / mean)))


def verdict(index: float) -> Verdict:
    if index >= ROUND_FROM:
        return Verdict.ROUND
    if index >= OVAL_FROM:
        return Verdict.OVAL
    return Verdict.BUMPY


def score_round(
    spokes: Sequence[int],
    answers: Sequence[Answer],
    weights: Mapping[Criterion, float] | None = None,
    customer_weight: float = DEFAULT_CUSTOMER_WEIGHT,
    customer_min: int = 1,
) -> RoundScore:
    """Score every spoke (touchpoint ids in spoke order) from the answers of one round.

    Customers' answers count only when at least `customer_min` customers rated; below that
    they are left out (and `customers_hidden` says so)."""
    weights = dict(weights or dict.fromkeys(CRITERIA, 1.0))
    customers = {a.rater_id for a in answers if a.source == CUSTOMER and a.value is not None}
    hidden = 0 < len(customers) < customer_min
    if hidden:
        answers = [a for a in answers if a.source != CUSTOMER]
    values: dict[tuple[str, int, Criterion], list[int]] = defaultdict(list)
    raters: dict[tuple[str, int], set[int]] = defaultdict(set)
    for answer in answers:
        if answer.value is None:
            continue
        values[(answer.source, answer.touchpoint_id, answer.criterion)].append(answer.value)
        raters[(answer.source, answer.touchpoint_id)].add(answer.rater_id)
    scored: list[SpokeScore] = []
    for position, tp_id in enumerate(spokes, start=1):
        team_stats = {c: criterion_stats(values[(TEAM, tp_id, c)]) for c in CRITERIA}
        customer_means = {c: criterion_stats(values[(CUSTOMER, tp_id, c)]).mean for c in CRITERIA}
        team = weighted({c: s.mean for c, s in team_stats.items()}, weights)
        customer = weighted(customer_means, weights)
        if team is not None and customer is not None:
            overall: float | None = customer_weight * customer + (1 - customer_weight) * team
        else:
            overall = team if team is not None else customer
        scored.append(
            SpokeScore(
                touchpoint_id=tp_id,
                position=position,
                criteria=team_stats,
                team=team,
                customer=customer,
                overall=overall,
                raters=len(raters[(TEAM, tp_id)]),
                customer_raters=len(raters[(CUSTOMER, tp_id)]),
            )
        )
    rated = [s for s in scored if s.overall is not None]
    ranking = sorted(rated, key=lambda s: (-(s.overall or 0.0), s.position))

    def plan_key(s: SpokeScore) -> tuple[float, bool, float, int]:
        # Equal as shown (one decimal): a spoke customers see much worse goes first.
        weakest = s.weakest
        low = s.criteria[weakest].mean if weakest is not None else None
        return (
            round(s.overall or 0.0, 1),
            not s.customers_see_worse,
            low if low is not None else 0.0,
            s.position,
        )

    overalls = [s.overall for s in rated if s.overall is not None]
    index = roundness(overalls)
    mean = statistics.fmean(overalls) if overalls else 0.0
    everyone = {r for (source, _), ids in raters.items() if source == TEAM for r in ids}
    return RoundScore(
        spokes=tuple(scored),
        ranking=tuple(ranking),
        plan_order=tuple(sorted(rated, key=plan_key)),
        roundness=index,
        verdict=verdict(index),
        mean=mean,
        slow=bool(overalls) and mean < SLOW_BELOW,
        raters=len(everyone),
        weights=weights,
        customer_raters=len(customers),
        customers_hidden=hidden,
        customer_weight=customer_weight,
    )
