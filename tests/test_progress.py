"""Round progress: when a round closes by itself and when the facilitator is offered to."""

from __future__ import annotations

from bot.core.progress import RoundProgress


def progress(members: int | None, started: set[int], finished: set[int]) -> RoundProgress:
    return RoundProgress(members, frozenset(started), frozenset(finished))


def test_a_round_waits_for_every_member() -> None:
    three_of_five = progress(5, {1, 2, 3}, {1, 2, 3})
    assert not three_of_five.closes_by_itself(min_raters=1)
    assert three_of_five.offers_close(min_raters=3) and not three_of_five.offers_close(4)
    assert three_of_five.not_started == 2 and three_of_five.rating_now == frozenset()
    everyone = progress(5, {1, 2, 3, 4, 5}, {1, 2, 3, 4, 5})
    assert everyone.closes_by_itself(min_raters=3) and not everyone.offers_close(3)
    assert not everyone.closes_by_itself(min_raters=6)


def test_someone_still_rating_means_no_offer() -> None:
    busy = progress(6, {1, 2, 3, 4, 5}, {1, 2, 3, 4})
    assert not busy.offers_close(min_raters=1) and busy.rating_now == frozenset({5})
    assert busy.not_started == 1 and busy.done == 4


def test_an_unknown_group_size_never_closes_early() -> None:
    unknown = progress(None, {1, 2}, {1, 2})
    assert not unknown.closes_by_itself(min_raters=1) and unknown.not_started == 0
    assert unknown.offers_close(min_raters=1) and unknown.group_size is None


def test_the_count_is_never_below_the_people_who_took_part() -> None:
    left_since = progress(2, {1, 2, 3}, {1, 2, 3})
    assert left_since.group_size == 3 and left_since.closes_by_itself(min_raters=3)


def test_nobody_finished_offers_nothing() -> None:
    assert not progress(4, set(), set()).offers_close(min_raters=0)
