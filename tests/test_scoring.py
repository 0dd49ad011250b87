"""Scoring: a golden 5-rater × 4-touchpoint matrix computed by hand, and properties."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.scoring import Answer, Verdict, roundness, score_round, verdict
from bot.domain import CRITERIA, Criterion

S, C, R = Criterion.SIMPLICITY, Criterion.CONVENIENCE, Criterion.SPEED
# touchpoint -> criterion -> the five raters' answers (None = skipped)
MATRIX: dict[int, dict[Criterion, list[int | None]]] = {
    1: {S: [8, 8, 8, 8, 8], C: [6, 7, 8, 9, 10], R: [7, 7, 7, 7, None]},
    2: {S: [0, 10, 5, 5, 5], C: [4, 4, 4, 4, 4], R: [3, 3, 3, 3, 3]},
    3: {S: [9, 9, 9, 9, 9], C: [9, 9, 9, 9, 9], R: [6, 6, 6, 6, 6]},
    4: {S: [5, 5, 5, 5, 5], C: [5, 5, 5, 5, 5], R: [2, None, 2, 2, 2]},
}


def golden_answers() -> list[Answer]:
    return [
        Answer(tp, rater, criterion, value)
        for tp, row in MATRIX.items()
        for criterion, values in row.items()
        for rater, value in enumerate(values, start=1)
    ]


def test_golden_matrix() -> None:
    result = score_round([1, 2, 3, 4], golden_answers())
    by_id = {s.touchpoint_id: s for s in result.spokes}
    # By hand: T1 = (8 + 8 + 7) / 3; T2 = (5 + 4 + 3) / 3; T3 = (9 + 9 + 6) / 3;
    # T4 = (5 + 5 + 2) / 3.
    assert by_id[1].overall == pytest.approx(23 / 3)
    assert by_id[2].overall == pytest.approx(4.0)
    assert by_id[3].overall == pytest.approx(8.0)
    assert by_id[4].overall == pytest.approx(4.0)
    # Skips are not zeros: T1's speed is the mean of four 7s, from four answers.
    assert by_id[1].criteria[R].mean == pytest.approx(7.0)
    assert by_id[1].criteria[R].count == 4
    # Spread is the population standard deviation: T1 convenience sqrt(10 / 5).
    assert by_id[1].criteria[C].spread == pytest.approx(2**0.5)
    # T2's simplicity (0, 10, 5, 5, 5): spread sqrt(50 / 5) = 3.16 >= 2.5 -> talk about it.
    assert by_id[2].criteria[S].spread == pytest.approx(10**0.5)
    assert [s.touchpoint_id for s in result.spokes if s.disagreement] == [2]
    assert [s.touchpoint_id for s in result.ranking] == [3, 1, 2, 4]
    # T2 and T4 tie at 4.0; T4's weakest criterion (speed 2) is lower, so it comes first.
    assert [s.touchpoint_id for s in result.plan_order] == [4, 2, 1, 3]
    assert by_id[4].weakest is R and by_id[2].weakest is R
    # Roundness: mean 5.916667, population stdev 1.920286 -> 100 × (1 − 0.324555).
    assert result.roundness == pytest.approx(67.5445, abs=1e-3)
    assert result.verdict is Verdict.BUMPY
    assert not result.slow
    assert result.raters == 5


def test_customer_view_comes_first() -> None:
    answers = [Answer(1, 1, c, 8) for c in CRITERIA] + [
        Answer(1, 100, c, 3, source="customer") for c in CRITERIA
    ]
    (spoke,) = score_round([1], answers).spokes
    assert spoke.team == pytest.approx(8.0) and spoke.customer == pytest.approx(3.0)
    assert spoke.overall == pytest.approx(0.6 * 3 + 0.4 * 8)


def test_weights_change_the_overall() -> None:
    answers = [Answer(1, 1, S, 10), Answer(1, 1, C, 0), Answer(1, 1, R, 0)]
    (spoke,) = score_round([1], answers, weights={S: 2, C: 1, R: 1}).spokes
    assert spoke.overall == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (100, Verdict.ROUND),
        (90, Verdict.ROUND),
        (89.9, Verdict.OVAL),
        (75, Verdict.OVAL),
        (74.9, Verdict.BUMPY),
        (0, Verdict.BUMPY),
    ],
)
def test_verdict_thresholds(index: float, expected: Verdict) -> None:
    assert verdict(index) is expected


def test_round_but_slow() -> None:
    answers = [Answer(tp, 1, c, 3) for tp in (1, 2, 3) for c in CRITERIA]
    result = score_round([1, 2, 3], answers)
    assert result.roundness == 100 and result.verdict is Verdict.ROUND and result.slow


values = st.one_of(st.none(), st.integers(min_value=0, max_value=10))
answer_sets = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=4),
        st.integers(min_value=1, max_value=6),
        st.sampled_from(CRITERIA),
        values,
    ),
    max_size=60,
    unique_by=lambda t: (t[0], t[1], t[2]),
)


def as_answers(raw: list[tuple[int, int, Criterion, int | None]]) -> list[Answer]:
    return [Answer(tp, rater, criterion, value) for tp, rater, criterion, value in raw]


@given(answer_sets)
def test_scores_stay_within_the_scale(raw: list[tuple[int, int, Criterion, int | None]]) -> None:
    result = score_round([1, 2, 3, 4], as_answers(raw))
    for spoke in result.spokes:
        if spoke.overall is not None:
            assert 0 <= spoke.overall <= 10
        for stats in spoke.criteria.values():
            assert stats.mean is None or 0 <= stats.mean <= 10
    assert 0 <= result.roundness <= 100


@given(answer_sets, st.randoms(use_true_random=False))
def test_rater_order_does_not_matter(
    raw: list[tuple[int, int, Criterion, int | None]], rng: random.Random
) -> None:
    answers = as_answers(raw)
    shuffled = answers[:]
    rng.shuffle(shuffled)
    one, two = score_round([1, 2, 3, 4], answers), score_round([1, 2, 3, 4], shuffled)
    assert [s.overall for s in one.spokes] == pytest.approx([s.overall for s in two.spokes])
    assert one.roundness == pytest.approx(two.roundness)
    assert [s.touchpoint_id for s in one.ranking] == [s.touchpoint_id for s in two.ranking]


@given(st.floats(min_value=0, max_value=10), st.integers(min_value=1, max_value=30))
def test_equal_spokes_are_perfectly_round(value: float, spokes: int) -> None:
    assert roundness([value] * spokes) == 100


@given(answer_sets, st.integers(min_value=50, max_value=60))
def test_a_skip_never_lowers_a_mean(
    raw: list[tuple[int, int, Criterion, int | None]], skipper: int
) -> None:
    answers = as_answers(raw)
    with_skips = answers + [Answer(tp, skipper, c, None) for tp in (1, 2, 3, 4) for c in CRITERIA]
    before, after = score_round([1, 2, 3, 4], answers), score_round([1, 2, 3, 4], with_skips)
    for a, b in zip(before.spokes, after.spokes, strict=True):
        for criterion in CRITERIA:
            assert a.criteria[criterion].mean == b.criteria[criterion].mean


def flat(tp: int, rater: int, value: int, source: str = "team") -> list[Answer]:
    """One rater's answer on every criterion of one spoke."""
    return [Answer(tp, rater, c, value, source) for c in CRITERIA]


def test_customers_below_the_minimum_are_left_out() -> None:
    answers = [*flat(1, 1, 8), *flat(1, 2, 8), *flat(1, 100, 2, "customer")]
    kept_back = score_round([1], answers, customer_min=2)
    assert kept_back.customers_hidden and kept_back.customer_raters == 1
    assert kept_back.spokes[0].customer is None and kept_back.spokes[0].overall == 8.0
    counted = score_round([1], [*answers, *flat(1, 101, 4, "customer")], customer_min=2)
    assert not counted.customers_hidden and counted.customer_raters == 2
    assert counted.spokes[0].gap == pytest.approx(-5.0)
    assert counted.spokes[0].overall == pytest.approx(0.6 * 3 + 0.4 * 8)


def test_gaps_widest_first_and_planned_first_among_equals() -> None:
    # Spoke 1: team 5, customers 5. Spoke 2: team 7.25, customers 3.5: both 5.0 overall, and
    # without customers' view spoke 1 (weakest 5) would come before spoke 2 (weakest 7.25).
    answers = [
        *flat(1, 1, 5),
        *flat(1, 100, 5, "customer"),
        *flat(2, 1, 8),
        *flat(2, 2, 6),
        *flat(2, 3, 8),
        *flat(2, 4, 7),
        *flat(2, 100, 3, "customer"),
        *flat(2, 101, 4, "customer"),
        *flat(3, 1, 6),
        *flat(3, 100, 9, "customer"),
    ]
    score = score_round([1, 2, 3], answers)
    by_id = {s.touchpoint_id: s for s in score.spokes}
    assert by_id[1].overall == pytest.approx(5.0) and by_id[2].overall == pytest.approx(5.0)
    assert by_id[2].customers_see_worse and not by_id[1].customers_see_worse
    assert [s.touchpoint_id for s in score.plan_order] == [2, 1, 3]
    assert [s.touchpoint_id for s in score.gaps] == [2, 3, 1]  # |−3.75|, |+3|, 0
    team_only = score_round([1, 2, 3], [a for a in answers if a.source == "team"])
    assert team_only.gaps == ()
