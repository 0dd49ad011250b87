"""A per-key cooldown: a costly command runs once per window, repeats are refused.

Kept in memory, bounded: an entry lives only as long as its window (all windows are equally
long, so the oldest entry is always the first to expire), and at most `size` entries are
kept whatever happens."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache


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
        # key -> [when its window ends, whether a refusal was told]; changed in place, so
        # that a refusal does not lengthen the window.
        self._held: TTLCache[Hashable, list[Any]] = TTLCache(
            maxsize=size, ttl=seconds, timer=lambda: self.clock()
        )

    def __len__(self) -> int:
        self._held.expire()
        return len(self._held)

    def take(self, key: Hashable) -> Wait | None:
        """None: go ahead (and the key waits `seconds` from now); else how long is left."""
        now = self.clock()
        held = self._held.get(key)
        if held is not None:
            until, told = held
            held[1] = True
            return Wait(until - now, first=not told)
        if self.seconds > 0:
            self._held[key] = [now + self.seconds, False]
        return None

    def give_back(self, key: Hashable) -> None:
        """Nothing costly was sent after all: the next ask goes ahead."""
        self._held.pop(key, None)
