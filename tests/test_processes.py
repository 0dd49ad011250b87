"""Process lifetime: a killed bot leaves no helper running, and the test run can tell which
processes are its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

from tests.conftest import (
    BOT_ENV,
    ROOT,
    bot_env,
    group_members,
    marked_processes,
    session_id,
    wait_until_gone,
)

# A bot-like parent: its renderer starts the worker process (and, with it, multiprocessing's
# resource tracker), draws once, says so and waits to be killed.
PARENT = """
import asyncio
from bot.core.charts import Spoke, WheelSpec
from bot.services.render import Renderer

async def main() -> None:
    renderer = Renderer(workers=1)
    spokes = [Spoke(n, str(n), value=5) for n in (1, 2, 3)]
    await renderer.wheel(WheelSpec("Team", "", spokes))
    print("drawn", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


def test_a_sigkilled_parent_takes_its_render_worker_and_tracker_along() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", PARENT],
        cwd=ROOT,
        env=bot_env(),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group: the helpers keep it when it dies
    )
    group = proc.pid
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "drawn"
        helpers = set(group_members(group)) - {proc.pid}
        # The worker, and (spawn context) the resource tracker.
        assert len(helpers) >= 2, helpers
        os.kill(proc.pid, signal.SIGKILL)  # the bot alone, as the OOM killer would
        proc.wait()
        left = wait_until_gone(lambda: group_members(group), timeout=60)
        assert not left, f"helpers still running after their parent was killed: {left}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        if proc.stdout is not None:
            proc.stdout.close()
        proc.wait()


def test_the_run_finds_the_processes_it_started_and_only_those() -> None:
    ours = subprocess.Popen(["sleep", "600"], env=bot_env())
    theirs = subprocess.Popen(["sleep", "600"], env={**os.environ, BOT_ENV: "another-run"})
    try:
        found = marked_processes(session_id())
        assert ours.pid in found and theirs.pid not in found
    finally:
        for proc in (ours, theirs):
            proc.kill()
            proc.wait()
    assert ours.pid not in marked_processes(session_id())
