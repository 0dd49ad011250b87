"""`uv run python -m benchmarks`: Touchwheel against a bare aiogram echo bot, same run.

Both bots run as real processes against the project's fake Bot API on loopback
(tests/fakeapi). Figures are ratios to the baseline measured in the same run; the table is
written to docs/benchmarks.md. Absolute times on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import math
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.loads import Bench, start_bot, start_echo
from bot.core.charts import Spoke, WheelSpec
from bot.domain import Stage

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"


@dataclass
class Row:
    figure: str
    ours: str
    base: str
    ratio: str
    target: str = ""


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self, figure: str, ours: float, base: float, unit: str, target: str = "", digits: int = 1
    ) -> None:
        ratio = ours / base if base else math.inf
        self.rows.append(
            Row(
                figure,
                f"{ours:.{digits}f} {unit}",
                f"{base:.{digits}f} {unit}",
                f"{ratio:.2f}×",
                target,
            )
        )


# --- ingest through the real processes ---------------------------------------------------


async def ingest(
    report: Report, groups: int, ideas: int, rates: list[int], seconds: float
) -> None:
    """Ideas and taps: throughput, CPU per update, latency at steady rates, both bots."""
    results: dict[str, dict[str, float]] = {}
    for name in ("touchwheel", "echo"):
        with tempfile.TemporaryDirectory() as tmp:
            bench = Bench()
            await bench.start()
            try:
                proc = await (
                    start_bot(bench, Path(tmp)) if name == "touchwheel" else start_echo(bench)
                )
                figures: dict[str, float] = {}
                world = await bench.world(groups, members=5)
                if name == "touchwheel":
                    await bench.brainstorms(world)
                # Throughput: a burst of ideas spread over every group, as fast as it goes.
                cpu0 = proc.cpu()
                burst = await bench.burst_ideas(world, ideas)
                figures["idea_tput"] = ideas / burst.seconds
                figures["idea_cpu_ms"] = (proc.cpu() - cpu0) * 1000 / ideas
                # Steady rates: latency from the update to its acknowledgement.
                for rate in rates:
                    acks = await bench.steady_ideas(world, rate, seconds)
                    figures[f"p50_{rate}"] = acks.percentile(50)
                    figures[f"p99_{rate}"] = acks.percentile(99)
                # CPU per idea with 100 ideas already in the workshop vs with none.
                shallow, deep = await bench.sequential_ideas(
                    proc, before=100, count=40, brainstorm=name == "touchwheel"
                )
                figures["idea_cpu_shallow_ms"], figures["idea_cpu_deep_ms"] = shallow, deep
                # Rating taps: 200 raters in one group.
                taps = await bench.taps(
                    proc, raters=200, touchpoints=3, rounds=name == "touchwheel"
                )
                figures["tap_cpu_ms"] = taps.cpu_ms
                figures["tap_p99"] = taps.p99
                figures["rss_idle"] = proc.rss_mib()
                results[name] = figures
            finally:
                await proc.stop()
                await bench.stop()
    ours, base = results["touchwheel"], results["echo"]
    report.add(
        "`/idea` in many groups, throughput (limiter as shipped)",
        ours["idea_tput"],
        base["idea_tput"],
        "upd/s",
        "≥ 0.5×",
        0,
    )
    report.add(
        "`/idea`, CPU per update", ours["idea_cpu_ms"], base["idea_cpu_ms"], "ms", "≤ 2×", 2
    )
    report.add(
        "rating taps, 200 raters, CPU per update",
        ours["tap_cpu_ms"],
        base["tap_cpu_ms"],
        "ms",
        "≤ 2×",
        2,
    )
    report.add("rating taps, p99 latency", ours["tap_p99"], base["tap_p99"], "ms", "", 1)
    for rate in rates:
        report.add(
            f"`/idea` at {rate}/s, p50 latency",
            ours[f"p50_{rate}"],
            base[f"p50_{rate}"],
            "ms",
            "",
            1,
        )
        report.add(
            f"`/idea` at {rate}/s, p99 latency",
            ours[f"p99_{rate}"],
            base[f"p99_{rate}"],
            "ms",
            "≤ 50 ms" if rate == 300 else "",
            1,
        )
    report.add(
        "CPU per idea, 100 ideas already vs none (both Touchwheel, one at a time)",
        ours["idea_cpu_deep_ms"],
        ours["idea_cpu_shallow_ms"],
        "ms",
        "≤ 1.1×",
        2,
    )
    report.add("RSS after the load", ours["rss_idle"], base["rss_idle"], "MiB", "", 0)


async def idle_and_startup(report: Report, running: int) -> None:
    """Start-up to the first getUpdates and idle RSS, empty and with `running` workshops."""
    figures: dict[str, float] = {}
    for label, populate in (("empty", 0), ("busy", running)):
        with tempfile.TemporaryDirectory() as tmp:
            if populate:
                await Bench.populate(Path(tmp), populate)
            bench = Bench()
            await bench.start()
            try:
                began = time.perf_counter()
                proc = await start_bot(bench, Path(tmp))
                figures[f"start_{label}"] = time.perf_counter() - began
                await asyncio.sleep(3)
                figures[f"rss_{label}"] = proc.rss_mib()
                await proc.stop()
            finally:
                await bench.stop()
    bench = Bench()
    await bench.start()
    try:
        began = time.perf_counter()
        echo = await start_echo(bench)
        figures["start_echo"] = time.perf_counter() - began
        await asyncio.sleep(3)
        figures["rss_echo"] = echo.rss_mib()
        await echo.stop()
    finally:
        await bench.stop()
    report.add(
        "RSS idle, empty database", figures["rss_empty"], figures["rss_echo"], "MiB", "≤ 1.15×", 0
    )
    report.add(
        f"RSS idle, {running} running workshops",
        figures["rss_busy"],
        figures["rss_echo"],
        "MiB",
        "",
        0,
    )
    report.add(
        "start-up to first `getUpdates`, empty database",
        figures["start_empty"],
        figures["start_echo"],
        "s",
        "≤ 1.15×",
        2,
    )
    report.add(
        f"start-up, {running} running workshops",
        figures["start_busy"],
        figures["start_echo"],
        "s",
        "flat",
        2,
    )


# --- pictures --------------------------------------------------------------------------


def wheel_spec(spokes: int) -> WheelSpec:
    stages = [Stage.BEFORE, Stage.DURING, Stage.AFTER, Stage.NONE]
    return WheelSpec(
        title="Benchmark · 23.11.2026",
        subtitle="5 rated · roundness 71/100: oval",
        spokes=[
            Spoke(
                number=n + 1,
                label=f"Touchpoint {n + 1} with a name",
                stage=stages[n % 4],
                value=(n * 37 % 100) / 10,
                previous=(n * 13 % 100) / 10,
            )
            for n in range(spokes)
        ],
        mean=5.0,
        stage_names={Stage.BEFORE: "before", Stage.DURING: "during", Stage.AFTER: "after"},
    )


def raw_radar(spokes: int) -> bytes:
    """The baseline: a plain matplotlib radar of the same size with the same data."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    spec = wheel_spec(spokes)
    fig = Figure(figsize=(10, 10), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="polar")
    angles = [2 * math.pi * i / spokes for i in range(spokes)] + [0.0]
    values = [s.value or 0.0 for s in spec.spokes]
    ax.plot(angles, [*values, values[0]])
    ax.fill(angles, [*values, values[0]], alpha=0.2)
    ax.set_xticks(angles[:-1])
    ax.set_xticklabels([f"{s.number}. {s.label}" for s in spec.spokes])
    fig.suptitle(spec.title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def best_of(func: Callable[[], object], repeat: int) -> float:
    func()  # fonts and caches warm
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return min(times) * 1000


def pictures(report: Report, repeat: int) -> None:
    from bot.render.wheel import render_wheel

    for spokes in (8, 12, 30):
        ours = best_of(lambda n=spokes: render_wheel(wheel_spec(n)), repeat)  # type: ignore[misc]
        base = best_of(lambda n=spokes: raw_radar(n), repeat)  # type: ignore[misc]
        report.add(
            f"{spokes}-spoke wheel vs a raw matplotlib radar", ours, base, "ms", "≤ 1.2×", 0
        )


async def longest_stall(work: Callable[[], Coroutine[Any, Any, object]] | None) -> float:
    """The longest delay of a 5 ms ping while `work` runs (or for 1 s without work)."""
    worst = 0.0
    stop = asyncio.Event()

    async def ping() -> None:
        nonlocal worst
        while not stop.is_set():
            began = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - began - 0.005)

    pinger = asyncio.create_task(ping())
    if work is None:
        await asyncio.sleep(1.0)
    else:
        for _ in range(3):
            await work()
    stop.set()
    await pinger
    return worst * 1000


async def stalls(report: Report) -> None:
    from bot.render.wheel import render_wheel
    from bot.services.render import Renderer

    spec = wheel_spec(30)
    renderer = Renderer(workers=1)
    await renderer.wheel(spec)  # the worker is up
    try:
        quiet = await longest_stall(None)
        in_worker = await longest_stall(lambda: renderer.wheel(spec))
        in_thread = await longest_stall(lambda: asyncio.to_thread(render_wheel, spec))
    finally:
        await renderer.close()
    report.add(
        "longest loop stall while a 30-spoke wheel renders (worker process) vs none",
        in_worker,
        quiet,
        "ms",
        "≤ 20 ms",
        1,
    )
    report.add("the same with the render in a thread (before)", in_thread, quiet, "ms", "", 1)


# --- the document -------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    system = f"{platform.system()} {platform.release()}"
    return f"{system}, {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}"


def write(report: Report, args: argparse.Namespace, took: float) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `uv run python -m benchmarks` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"in {took:.0f} s. Machine: {machine()}.",
        "",
        "## Method",
        "",
        "Touchwheel (`python -m bot`, config as shipped: limiter on, one render worker) and a",
        "bare aiogram bot that only reacts to messages and answers buttons",
        "(`benchmarks/echo_bot.py`) each run as a real process against the project's fake Bot",
        "API (`tests/fakeapi`) on 127.0.0.1, one after the other in the same run, fed the same",
        f"updates: {args.groups} groups of 5 members, a burst of {args.ideas} `/idea` messages",
        f"spread over them, then steady rates of {', '.join(map(str, args.rates))} updates a",
        f"second for {args.seconds:.0f} s each, and 200 raters tapping the rating wizard in one",
        "group (the echo bot gets the same callback queries). Latency is from the update being",
        "handed to `getUpdates` to the acknowledgement (the reaction, the callback answer)",
        "arriving at the fake. CPU is the bot process's user + system time over the phase,",
        "divided by its updates (the render worker is a separate process and not counted).",
        "Pictures are timed in-process (best of several); the stall is the longest delay of a",
        "5 ms ping on the event loop while a 30-spoke wheel renders three times.",
        "Where the CPU goes (py-spy, before and after): `docs/profiles.md`, written by",
        "`uv run python -m benchmarks.profile --before <older checkout>`.",
        "",
        "| figure | Touchwheel | baseline | ratio | target |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.figure} | {r.ours} | {r.base} | {r.ratio} | {r.target} |" for r in report.rows
    ]
    if report.notes:
        lines += ["", "## Notes", "", *report.notes]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--ideas", type=int, default=2000)
    parser.add_argument("--rates", type=int, nargs="+", default=[100, 300, 500])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--running", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    began = time.perf_counter()
    report = Report()
    pictures(report, args.repeat)
    await stalls(report)
    await idle_and_startup(report, args.running)
    await ingest(report, args.groups, args.ideas, args.rates, args.seconds)
    write(report, args, time.perf_counter() - began)
    print(DOC.read_text(encoding="utf-8"))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
