"""The render worker: pictures drawn in another process, which comes back if it dies, and a
main process that never loads matplotlib."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys

from prometheus_client import REGISTRY

from bot.core.charts import HistorySpec, Series, Spoke, WheelSpec
from bot.services.render import HISTORY_PNG, WARM_UP, WHEEL_PNG, Renderer

SPEC = WheelSpec(
    title="Team",
    subtitle="3 rated",
    spokes=[Spoke(number=n, label=f"Touchpoint {n}", value=n / 2) for n in (2, 3, 5, 8)],
    mean=2.0,
)


def worker_pids(renderer: Renderer) -> set[int]:
    pool = renderer._pool
    assert pool is not None
    return {p.pid for p in pool._processes.values() if p.pid}


async def test_pictures_come_from_a_worker_that_restarts_after_a_crash() -> None:
    renderer = Renderer(workers=1)
    try:
        png = await renderer.wheel(SPEC)
        assert png[:4] == b"\x89PNG"
        (first,) = worker_pids(renderer)
        assert first != os.getpid()
        restarts = REGISTRY.get_sample_value("touchwheel_render_worker_restarts_total")
        os.kill(first, signal.SIGKILL)
        again = await renderer.wheel(SPEC)
        assert again == png  # the same picture from a new worker
        after = REGISTRY.get_sample_value("touchwheel_render_worker_restarts_total")
        assert after == (restarts or 0) + 1  # what /metrics shows
        assert first not in worker_pids(renderer)
        history = HistorySpec("Team", ["1", "2"], [Series("2. Phone", [4.0, 6.0])], [50, 80])
        assert (await renderer.history(history))[:4] == b"\x89PNG"
        workbook = await renderer.workbook([("Sheet", (["Touchpoint"], [["=1+1"]]))])
        assert workbook[:2] == b"PK"  # /export's XLSX comes from the worker too
    finally:
        await renderer.close()
    assert renderer._pool is None


# A bot process that draws a wheel through its worker, then lists what it has loaded.
DRAW_IN_A_WORKER = """
import asyncio, sys
import bot.__main__, bot.app
from bot.core.charts import Spoke, WheelSpec
from bot.services.render import Renderer

async def draw() -> bytes:
    renderer = Renderer(workers=1)
    try:
        spokes = [Spoke(n, str(n), value=5) for n in (1, 2, 3)]
        return await renderer.wheel(WheelSpec("Team", "", spokes))
    finally:
        await renderer.close()

assert asyncio.run(draw()).startswith(b"\\x89PNG")
drawing = ("matplotlib", "bot.render")
print(sorted(m for m in sys.modules if m.startswith(drawing))[:3])
"""


def test_the_bot_process_never_imports_matplotlib_even_after_drawing() -> None:
    found = subprocess.run(
        [sys.executable, "-c", DRAW_IN_A_WORKER], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"


def test_the_worker_functions_named_by_the_renderer_exist() -> None:
    from bot.render import worker

    for function in (WARM_UP, WHEEL_PNG, HISTORY_PNG):
        assert pickle.loads(pickle.dumps(function)) is getattr(worker, function.name)
