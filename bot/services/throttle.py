"""Per-person throttles: so many messages a minute, each person remembered only as long as it
matters."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiolimiter import AsyncLimiter
from cachetools import TTLCache

PERIOD_SECONDS = 60.0
REMEMBERED = 10_000


@dataclass(slots=True)
class _Bucket:
    limiter: AsyncLimiter
    told: bool = False


@dataclass(frozen=True, slots=True)
class Slowed:
    """A refused message: the seconds until the next one is taken at the latest, and
    whether the sender was told so already (a flood gets one answer, not one per message)."""

    seconds: int
    told: bool


class Throttle:
    """A leaky bucket (aiolimiter) per person: `per_minute` messages at once, then one
    every 60/`per_minute` seconds.

    A bucket untouched for a period is empty, as good as a new one, so it is forgotten; and
    at most `size` people are remembered (the longest unseen goes first)."""

    def __init__(
        self,
        per_minute: int,
        *,
        size: int = REMEMBERED,
        period: float = PERIOD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rate = per_minute
        self._period = period
        # Each message of a person sets their bucket again, so it is kept a period from then.
        self._buckets: TTLCache[int, _Bucket] = TTLCache(maxsize=size, ttl=period, timer=clock)

    def __len__(self) -> int:
        self._buckets.expire()
        return len(self._buckets)

    async def take(self, key: int) -> Slowed | None:
        """Count one message of `key`; None when it may go on, else how long to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(AsyncLimiter(self._rate, self._period))
        self._buckets[key] = bucket
        if bucket.limiter.has_capacity():
            bucket.told = False
            await bucket.limiter.acquire()  # does not wait: there is capacity
            return None
        told, bucket.told = bucket.told, True
        # A full bucket frees one place within period / rate seconds.
        return Slowed(math.ceil(self._period / self._rate), told)
