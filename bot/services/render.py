"""Charts (and /export's workbook) made in a worker process, so matplotlib and openpyxl never
hold the event loop's GIL and matplotlib never loads into the bot process: the worker's
functions are sent by name, not imported."""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from bot import metrics
from bot.core.charts import HistorySpec, WheelSpec
from bot.core.sheets import Sheets, Workbook

log = logging.getLogger(__name__)
Spec = TypeVar("Spec", WheelSpec, HistorySpec, Workbook)
Result = TypeVar("Result")

# The worker's entry point. Named, never imported here: importing it loads matplotlib.
WORKER_MODULE = "bot.render.worker"


class _WorkerModule:
    """Pickles as `importlib.import_module(WORKER_MODULE)`, run by whoever unpickles it."""

    def __reduce__(self) -> tuple[Callable[[str], Any], tuple[str]]:
        return importlib.import_module, (WORKER_MODULE,)


@dataclass(frozen=True)
class WorkerFunction(Generic[Result]):
    """A function of the render worker by name. Sent to the worker process it unpickles as
    `getattr(<the worker module>, name)`, the function itself, so only that process imports
    the worker; called here (`workers = 0`), it imports the worker into this process."""

    name: str

    def __reduce__(self) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        return getattr, (_WorkerModule(), self.name)

    def __call__(self, *args: Any) -> Result:
        return cast(Result, getattr(importlib.import_module(WORKER_MODULE), self.name)(*args))


WARM_UP = WorkerFunction[None]("warm_up")
WHEEL_PNG = WorkerFunction[bytes]("wheel_png")
HISTORY_PNG = WorkerFunction[bytes]("history_png")
WORKBOOK_XLSX = WorkerFunction[bytes]("workbook_xlsx")


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
                initializer=WARM_UP,
            )
        return self._pool

    def warm(self) -> None:
        """Start the worker now (a round just opened): its first picture is then quick."""
        if self._workers:
            self._executor().submit(WARM_UP)

    async def _run(self, draw: WorkerFunction[bytes], spec: Spec) -> bytes:
        if not self._workers:
            return await asyncio.to_thread(draw, spec)
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._executor()
            try:
                return await loop.run_in_executor(pool, draw, spec)
            except BrokenProcessPool:
                log.warning("the render worker died; starting a new one (attempt %d)", attempt)
                metrics.RENDER_RESTARTS.inc()
                if self._pool is pool:
                    self._pool = None
                pool.shutdown(wait=False, cancel_futures=True)
        raise RuntimeError("the render worker died twice in a row")

    async def wheel(self, spec: WheelSpec) -> bytes:
        return await self._run(WHEEL_PNG, spec)

    async def history(self, spec: HistorySpec) -> bytes:
        return await self._run(HISTORY_PNG, spec)

    async def workbook(self, sheets: Sheets, locale: str = "en") -> bytes:
        """The tables as one XLSX workbook, its dates shown as `locale` writes them."""
        return await self._run(WORKBOOK_XLSX, Workbook(sheets, locale))

    async def close(self) -> None:
        """Let a picture being drawn finish, then stop the worker."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
