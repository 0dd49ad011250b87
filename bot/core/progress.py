"""How far a rating round has come, and what that means for closing it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RoundProgress:
    """Who opened the form and who finished, against the group's human members.

    `members` is None when the group could not be counted: then a round never closes by
    itself before its deadline, because nobody can tell who is still missing.
    """

    members: int | None
    started: frozenset[int]
    finished: frozenset[int]

    @property
    def done(self) -> int:
        return len(self.finished)

    @property
    def group_size(self) -> int | None:
        """The members counted, never fewer than the people who took part (someone may have
        left the group since the count)."""
        if self.members is None:
            return None
        return max(self.members, len(self.started | self.finished))

    @property
    def not_started(self) -> int:
        size = self.group_size
        return 0 if size is None else max(size - len(self.started | self.finished), 0)

    @property
    def rating_now(self) -> frozenset[int]:
        """Started and not finished: the people a private nudge is for."""
        return self.started - self.finished

    @property
    def everyone_done(self) -> bool:
        size = self.group_size
        return size is not None and self.done >= size

    @property
    def starters_done(self) -> bool:
        """Everyone who opened the form has finished (and somebody did)."""
        return bool(self.finished) and not self.rating_now

    def closes_by_itself(self, min_raters: int) -> bool:
        """Every member has finished, and enough of them to show results."""
        return self.everyone_done and self.done >= min_raters

    def offers_close(self, min_raters: int) -> bool:
        """Everyone who started is done but members are missing: the facilitator may want
        to close now rather than wait for the deadline."""
        return self.starters_done and not self.everyone_done and self.done >= min_raters
