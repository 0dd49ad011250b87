"""Charts drawn in a worker process, so matplotlib never holds the event loop's GIL."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from bot import render_worker
from bot.core.charts import HistorySpec, WheelSpec

log = logging.getLogger(__name__)
Spec = TypeVar("Spec", WheelSpec, HistorySpec)


class Renderer:
    """A pool of `workers` render processes, started on first use and started again if one
    dies; `workers = 0` draws in a thread instead (tests, tiny installs)."""

    def __init__(self, workers: int = 1) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                # A fresh interpreter: forking a process with running threads is unsafe.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=render_worker.warm_up,
            )
        return self._pool

    def warm(self) -> None:
        """Start the worker now (a round just opened): its first picture is then quick."""
        if self._workers:
            self._executor().submit(render_worker.warm_up)

    async def _run(self, draw: Callable[[Spec], bytes], spec: Spec) -> bytes:
        if not self._workers:
            return await asyncio.to_thread(draw, spec)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return await loop.run_in_executor(pool, draw, spec)
            except BrokenProcessPool:
                log.warning("the render worker died; starting a new one (attempt %d)", attempt)
                if self._pool is pool:
                    self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
        raise RuntimeError("the render worker died twice in a row")

    async def wheel(self, spec: WheelSpec) -> bytes:
        return await self._run(render_worker.wheel_png, spec)

    async def history(self, spec: HistorySpec) -> bytes:
        return await self._run(render_worker.history_png, spec)

    async def close(self) -> None:
        """Let a picture being drawn finish, then stop the worker."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
