"""The debounced message updater: edits a live message at most once per interval."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from cachetools import TTLCache

log = logging.getLogger(__name__)

# Keys whose last refresh is remembered at most (a bound however busy the bot is).
REMEMBERED = 100_000


class MessageUpdater:
    """Re-renders each key (a board, a round message) at most once per `interval` seconds,
    and at once when flushed.

    Its maps hold only what still matters, so they stay as small as the keys active now,
    however many keys the bot has seen: a key's last refresh time is dropped once it is an
    interval old (it would no longer delay anything), its lock once nobody holds or waits
    for it, and a pending refresh once it has started."""

    def __init__(self, interval: float, render: Callable[[int], Awaitable[None]]) -> None:
        self._interval = interval
        self._render = render
        # A key's last refresh, forgotten an interval later (or past `REMEMBERED` keys).
        self._last: TTLCache[int, float] = TTLCache(maxsize=REMEMBERED, ttl=interval)
        self._pending: dict[int, asyncio.Task[None]] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._lock_users: dict[int, int] = {}
        self._running: set[asyncio.Task[None]] = set()

    def touch(self, key: int) -> None:
        """Something changed: refresh soon, but not more often than the interval."""
        if key in self._pending:
            return
        now = time.monotonic()
        last = self._last.get(key)
        delay = 0.0 if last is None else max(0.0, last + self._interval - now)
        task = asyncio.create_task(self._later(key, delay))
        self._pending[key] = task

    async def flush(self, key: int) -> None:
        """Refresh now (phase changes), dropping any pending refresh."""
        task = self._pending.pop(key, None)
        if task is not None:
            task.cancel()
        await self._refresh(key)

    async def idle(self) -> None:
        """Wait until no refresh is waiting or running (a sync point for tests)."""
        while self._pending or self._running:
            await asyncio.wait({*self._pending.values(), *self._running})

    async def close(self) -> None:
        """Drop refreshes still waiting; let the ones already editing finish."""
        for task in list(self._pending.values()):
            task.cancel()
        self._pending.clear()
        if self._running:
            await asyncio.wait(set(self._running), timeout=5)

    async def _later(self, key: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._pending.pop(key, None)
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        await self._refresh(key)

    async def _refresh(self, key: int) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._lock_users[key] = self._lock_users.get(key, 0) + 1
        try:
            async with lock:
                self._last[key] = time.monotonic()
                try:
                    await self._render(key)
                except Exception:
                    # A message that cannot be drawn must not take the bot down; next change
                    # retries.
                    log.exception("refresh of %s failed", key)
        finally:
            self._lock_users[key] -= 1
            if not self._lock_users[key]:
                del self._lock_users[key], self._locks[key]
