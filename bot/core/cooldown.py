"""A per-key cooldown: a costly command runs once per window, repeats are refused.

Kept in memory, bounded: an entry lives only as long as its window (all windows are equally
long, so the oldest entry is always the first to expire), and at most `size` entries are
kept whatever happens."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Wait:
    """A refusal: how many seconds are left, and whether it is the window's first one (the
    one worth an answer; later repeats are let be)."""

    seconds: float
    first: bool


class Cooldown:
    """`take(key)` lets one ask through per `seconds` per key; `seconds = 0` lets all."""

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        size: int = 100_000,
    ) -> None:
        self.seconds = seconds
        self.clock = clock
        self._size = size
        self._until: OrderedDict[Hashable, tuple[float, bool]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._until)

    def take(self, key: Hashable) -> Wait | None:
        """None: go ahead (and the key waits `seconds` from now); else how long is left."""
        now = self.clock()
        self._expire(now)
        held = self._until.get(key)
        if held is not None:
            until, told = held
            self._until[key] = (until, True)  # an existing key keeps its place
            return Wait(until - now, first=not told)
        if self.seconds > 0:
            self._until[key] = (now + self.seconds, False)
            if len(self._until) > self._size:
                self._until.popitem(last=False)
        return None

    def give_back(self, key: Hashable) -> None:
        """Nothing costly was sent after all: the next ask goes ahead."""
        self._until.pop(key, None)

    def _expire(self, now: float) -> None:
        while self._until:
            key, (until, _told) = next(iter(self._until.items()))
            if until > now:
                return
            del self._until[key]
