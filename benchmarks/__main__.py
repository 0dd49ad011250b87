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
import re
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
from bot.core.ideas import MAX_TOUCHPOINTS
from bot.domain import Stage

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
FLAT = 1.1


@dataclass
class Row:
    figure: str
    ours: str
    base: str
    ratio: str
    target: str = ""
    met: str = ""


TARGET = re.compile(r"^([≤≥]) ([\d.]+) ?(×|\S+)$")


def judge(target: str, ours: float, ratio: float, unit: str) -> str:
    """ "met" or "**not met**" for a target such as "≤ 2×" (on the ratio) or "≤ 50 ms" (on
    Touchwheel's own figure, in the row's unit); "" without a target."""
    found = TARGET.match(target)
    if found is None:
        return ""
    sign, bound, what = found.group(1), float(found.group(2)), found.group(3)
    if what != "×" and what != unit:
        raise ValueError(f"target {target!r} is not in the row's unit {unit!r}")
    value = ratio if what == "×" else ours
    if math.isnan(value):
        return "no figure"
    ok = value <= bound if sign == "≤" else value >= bound
    return "met" if ok else "**not met**"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        figure: str,
        ours: float,
        base: float,
        unit: str,
        target: str = "",
        digits: int = 1,
        met: str | None = None,
    ) -> None:
        """A row; its target is judged here unless `met` says how it went."""
        ratio = ours / base if base else math.inf
        self.rows.append(
            Row(
                figure,
                f"{ours:.{digits}f} {unit}",
                f"{base:.{digits}f} {unit}",
                f"{ratio:.2f}×" if math.isfinite(ratio) else "—",
                target,
                judge(target, ours, ratio, unit) if met is None else met,
            )
        )


# --- ingest through the real processes ---------------------------------------------------


async def ingest(report: Report, args: argparse.Namespace) -> None:
    """Ideas, taps and a round's close, both bots: throughput, CPU per update, latency at
    steady rates, CPU per idea in a full workshop, the publication, memory after it all."""
    results: dict[str, dict[str, float]] = {}
    for name in ("touchwheel", "echo"):
        touchwheel = name == "touchwheel"
        with tempfile.TemporaryDirectory() as tmp:
            bench = Bench()
            await bench.start()
            try:
                proc = await (
                    start_bot(bench, Path(tmp), watch_lag=True)
                    if touchwheel
                    else start_echo(bench, Path(tmp) / "loop-lag.log")
                )
                figures: dict[str, float] = {}
                memory = {"at start-up": proc.rss_mib()}
                # The monitor's floor: the longest stall of the idle process over a second.
                await proc.lag()
                await asyncio.sleep(1)
                figures["stall_idle"] = await proc.lag()
                world = await bench.world(args.groups, members=5)
                if touchwheel:
                    await bench.brainstorms(world)
                # Throughput: a burst of ideas spread over every group, as fast as it goes.
                await proc.lag()
                cpu0 = proc.cpu()
                burst = await bench.burst_ideas(world, args.ideas)
                figures["idea_tput"] = args.ideas / burst.seconds
                figures["idea_cpu_ms"] = (proc.cpu() - cpu0) * 1000 / args.ideas
                figures["stall_burst"] = await proc.lag()
                memory["after the burst"] = proc.rss_mib()
                # Steady rates: latency from the update to its acknowledgement. Each phase
                # starts once what the last one queued went out (its board edits).
                for rate in args.rates:
                    await bench.drained()
                    await proc.lag()
                    acks = await bench.steady_ideas(world, rate, args.seconds)
                    figures[f"stall_{rate}"] = await proc.lag()
                    figures[f"p50_{rate}"] = acks.percentile(50)
                    figures[f"p99_{rate}"] = acks.percentile(99)
                memory["after the steady rates"] = proc.rss_mib()
                # CPU per idea as a workshop fills up to its cap: the last ideas vs the first.
                await bench.drained()
                shallow, deep = await bench.sequential_ideas(
                    proc,
                    cap=MAX_TOUCHPOINTS,
                    window=args.window,
                    workshops=args.workshops,
                    brainstorm=touchwheel,
                )
                figures["idea_cpu_shallow_ms"], figures["idea_cpu_deep_ms"] = shallow, deep
                # Rating taps: `raters` people in one group, all but the last step.
                await bench.drained()
                taps = await bench.taps(proc, raters=args.raters, touchpoints=3, rounds=touchwheel)
                figures["tap_cpu_ms"] = taps.cpu_ms
                figures["tap_p99"] = taps.p99
                # The facilitator closes the round once everything the taps queued went out:
                # the wheel, the ranking and plan (the first plan since start-up: the
                # channel model loads), every rater's wizard closed and told.
                figures["drain_s"] = await bench.drained()
                finish = await bench.finish_round(proc, taps, publishes=touchwheel)
                figures["wheel_drained_s"] = finish.wheel_s
                figures["published_drained_s"] = finish.published_s
                figures["stall_publish_drained"] = finish.stall_ms
                memory["after the first round"] = proc.rss_mib()
                # A second round of as many raters, closed as soon as the last tap is
                # answered, while the wizard edits of the taps still queue.
                await bench.drained()
                taps = await bench.taps(
                    proc, raters=args.raters, touchpoints=3, rounds=touchwheel, tag="B"
                )
                finish = await bench.finish_round(proc, taps, publishes=touchwheel)
                figures["wheel_s"] = finish.wheel_s
                figures["published_s"] = finish.published_s
                figures["stall_publish"] = finish.stall_ms
                figures["rss_idle"] = memory["after the second round"] = proc.rss_mib()
                results[name] = figures
                report.notes.append(
                    f"RSS of the {name} process along the load: "
                    + ", ".join(f"{mib:.0f} MiB {when}" for when, mib in memory.items())
                    + "."
                )
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
        f"rating taps, {args.raters} raters, CPU per update",
        ours["tap_cpu_ms"],
        base["tap_cpu_ms"],
        "ms",
        "≤ 2×",
        2,
    )
    report.add("rating taps, p99 latency", ours["tap_p99"], base["tap_p99"], "ms", "", 1)
    for rate in args.rates:
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
            f"`/idea` at {rate}/s, longest loop stall",
            ours[f"stall_{rate}"],
            base[f"stall_{rate}"],
            "ms",
            "",
            1,
        )
    report.add(
        f"CPU per idea, a workshop near its {MAX_TOUCHPOINTS} cap vs an empty one (ideas "
        f"{MAX_TOUCHPOINTS - args.window + 1}–{MAX_TOUCHPOINTS} vs 1–{args.window}, both "
        "Touchwheel, one at a time)",
        ours["idea_cpu_deep_ms"],
        ours["idea_cpu_shallow_ms"],
        "ms",
        "≤ 1.1×",
        2,
    )
    report.add(
        "longest loop stall, the process idle for 1 s after start-up",
        ours["stall_idle"],
        base["stall_idle"],
        "ms",
        "",
        1,
    )
    report.add(
        "longest loop stall during the `/idea` burst",
        ours["stall_burst"],
        base["stall_burst"],
        "ms",
        "",
        1,
    )
    report.add(
        f"after the last tap is answered, the taps' queued messages take (round of {args.raters})",
        ours["drain_s"],
        base["drain_s"],
        "s",
        "",
        2,
    )
    for key, when in (
        ("_drained", "first round, `/finish` once the queued messages went out"),
        ("", "second round, `/finish` right after the last tap is answered"),
    ):
        report.add(
            f"{when}: longest loop stall while the round of {args.raters} raters closes and "
            "publishes vs the idle process (both Touchwheel)",
            ours[f"stall_publish{key}"],
            ours["stall_idle"],
            "ms",
            "≤ 20 ms",
            1,
        )
        report.add(
            f"{when}: to the wheel photo vs to the echo bot's acknowledgement",
            ours[f"wheel{key}_s"],
            base[f"wheel{key}_s"],
            "s",
            "≤ 2 s",
            2,
        )
        report.add(
            f"{when}: to the last of {args.raters} raters told the results are out vs the same",
            ours[f"published{key}_s"],
            base[f"published{key}_s"],
            "s",
            "",
            2,
        )
    report.add(
        "RSS after the load (both rounds published)",
        ours["rss_idle"],
        base["rss_idle"],
        "MiB",
        "≤ 1.3×",
        0,
    )


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
    # "flat": the running workshops cost start-up no more than the 1.1× the issue allows a
    # full workshop's ideas, judged against Touchwheel's own empty start-up.
    flat = figures["start_busy"] <= FLAT * figures["start_empty"]
    report.add(
        f"start-up, {running} running workshops",
        figures["start_busy"],
        figures["start_echo"],
        "s",
        f"flat (≤ {FLAT}× empty)",
        2,
        met="met" if flat else "**not met**",
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


CLASSIFIED = [
    "курьер опоздал на 2 часа",
    "nobody picks up the phone after 6",
    "de factuur klopt weer niet",
    "app crashes when adding to cart",
    "бронь столика только по телефону",
    "mails worden pas na een week beantwoord",
]


def classification(report: Report, repeat: int) -> None:
    """`classify` (the model, as a plan item is made) against the keyword rules it replaced,
    per text."""
    from bot.core.playbook import classify, load_playbook

    rules = load_playbook()
    texts = CLASSIFIED * 50
    ours = best_of(lambda: [classify(t) for t in texts], repeat) / len(texts)
    base = best_of(lambda: [rules.keyword_channel(t) for t in texts], repeat) / len(texts)
    report.add("classify a touchpoint vs the keyword rules", ours, base, "ms", "≤ 5 ms", 2)


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


QUICK = {
    "groups": 50,
    "ideas": 500,
    "rates": [100, 300, 500],
    "seconds": 2.0,
    "running": 200,
    "repeat": 2,
    "raters": 50,
    "workshops": 2,
}


def document(report: Report, args: argparse.Namespace, took: float) -> str:
    command = "uv run python -m benchmarks" + (" --quick" if args.quick else "")
    lines = [
        "# Benchmarks" + (" (quick mode)" if args.quick else ""),
        "",
        f"Written by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"in {took:.0f} s. Machine: {machine()}.",
    ]
    if args.quick:
        lines += [
            "",
            "**Quick mode**: smaller loads than the full run (the sizes below), so the figures",
            "are noisier and a little kinder (fewer ideas pile up, a smaller round closes);",
            "the full run is `uv run python -m benchmarks`.",
        ]
    lines += [
        "",
        "## Method",
        "",
        "Touchwheel (`python -m bot`, config as shipped: limiter on, one render worker) and a",
        "bare aiogram bot that only reacts to messages and answers buttons",
        "(`benchmarks/echo_bot.py`) each run as a real process against the project's fake Bot",
        "API (`tests/fakeapi`) on 127.0.0.1, one after the other in the same run, fed the same",
        f"updates: {args.groups} groups of 5 members, a burst of {args.ideas} `/idea` messages",
        f"spread over them, then steady rates of {', '.join(map(str, args.rates))} updates a",
        f"second for {args.seconds:g} s each, then {args.workshops} fresh groups filled one",
        f"idea at a time up to the {MAX_TOUCHPOINTS} a workshop takes, then {args.raters}",
        "raters tapping the rating wizard in one group (the echo bot gets the same callback",
        "queries) and the facilitator's `/finish` there, then the same again with",
        f"{args.raters} other raters in another group. The fake takes every message the bot",
        "sends (pacing is the bot's job: its limiter runs as shipped). Each steady rate, the",
        "one-at-a-time ideas and the taps start once the bot has sent nothing for 2 s, so that",
        "the board edits the previous phase queued do not count against them. Each target is",
        "judged as written: `×` on the ratio, a unit on Touchwheel's own figure.",
        "",
        "- **Throughput**: the burst's ideas over the time from the first being handed to",
        "  `getUpdates` to the last one's acknowledgement.",
        "- **Latency**: from the update being handed to `getUpdates` to its acknowledgement",
        "  (the reaction to an idea, the callback answer to a tap) arriving at the fake.",
        "- **CPU per update**: the bot process's user + system time (`/proc/PID/stat`) over the",
        "  phase, divided by its updates (the render worker is a separate process and not",
        "  counted). Taps: the first round's.",
        "- **CPU per idea in a full workshop**: a workshop takes at most",
        f"  {MAX_TOUCHPOINTS} touchpoints (`MAX_TOUCHPOINTS`; more are refused), so a workshop",
        f'  that "already has {MAX_TOUCHPOINTS}" is measured as close to that as it gets: in',
        f"  {args.workshops} fresh groups (Touchwheel: each with a brainstorm open), each idea",
        "  is sent once the previous one is acknowledged, and the CPU of the last",
        f"  {args.window} ideas before the cap (ideas {MAX_TOUCHPOINTS - args.window + 1}–",
        f"  {MAX_TOUCHPOINTS}) is set against that of the first {args.window}, both Touchwheel.",
        '  The ideas ("Channel number N here") differ only in their number, so the duplicate',
        "  check's prefilter passes most of the list on to the full comparison: its worst case.",
        "- **Loop stalls**, measured inside the real bot process (not in-process through the",
        "  dispatcher: the real process has the real HTTP session, limiter, scheduler and",
        "  render worker): Touchwheel's opt-in monitor (`watch_loop_lag` in `bot/app.py`, on",
        "  only when `TOUCHWHEEL_LOOP_LAG_LOG` names a file) schedules a callback every 5 ms",
        "  and notes how late it ran; on SIGUSR1 the process appends the largest delay since",
        "  the last signal to that file. The benchmark signals at the start and the end of a",
        "  phase. The echo bot runs a copy of the same monitor (so it imports nothing of the",
        "  bot). The floor is each process idle for 1 s after start-up.",
        "- **A round's close**: after the taps (all but each rater's last step), the",
        "  facilitator sends `/finish`: in the first round once the bot has sent nothing for",
        '  2 s ("drain", the time that took, the quiet 2 s not counted; its close builds the',
        "  first plan since start-up, so the channel model loads then); in the second as soon",
        "  as the last tap is answered, while the wizard edits the taps caused still wait in",
        "  the limiter (each private chat takes ~1 message a second after a burst of 5, all",
        "  chats together 30 a second). The wheel time is from handing `/finish` to",
        "  `getUpdates` to the `sendPhoto` arriving at the fake (drawn in the render worker,",
        "  paced by the limiter like every message); the echo bot's figure is its reaction to",
        "  the same `/finish`. The publication ends when every rater's private chat has its",
        '  "results are out" line; the stall is measured from `/finish` to then.',
        "- **RSS**: `VmRSS` of the bot process (not the render worker), idle 3 s after start-up",
        "  and at the end of the load above (after both rounds are published).",
        "- **Start-up**: from starting the process to its first `getUpdates`; with",
        f"  {args.running} running workshops (each with its closing job) in the database first.",
        f'  "flat" is judged against Touchwheel\'s empty start-up: within {FLAT}×.',
        "- **Pictures** are timed in-process (best of several); the render-worker stall is the",
        "  longest delay of a 5 ms ping on the benchmark's own loop while a 30-spoke wheel",
        "  renders three times.",
        "",
        "Where the CPU goes (py-spy, before and after): `docs/profiles.md`, written by",
        "`uv run python -m benchmarks.profile --before <older checkout>`.",
        "",
        "| figure | Touchwheel | baseline | ratio | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.figure} | {r.ours} | {r.base} | {r.ratio} | {r.target} | {r.met} |"
        for r in report.rows
    ]
    if report.notes:
        lines += ["", "## Notes", "", *(f"- {note}" for note in report.notes)]
    return "\n".join(lines) + "\n"


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--ideas", type=int, default=2000)
    parser.add_argument("--rates", type=int, nargs="+", default=[100, 300, 500])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--running", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--raters", type=int, default=200)
    parser.add_argument(
        "--window", type=int, default=25, help="ideas timed at each end of a filling workshop"
    )
    parser.add_argument(
        "--workshops", type=int, default=4, help="workshops filled one idea at a time"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller loads (a minute or two), same figures, marked quick: "
        + ", ".join(f"{k}={v}" for k, v in QUICK.items()),
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print the table, leave docs/ alone"
    )
    args = parser.parse_args()
    if args.quick:
        parser.set_defaults(**QUICK)
        args = parser.parse_args()  # the quick sizes, unless given on the command line
    began = time.perf_counter()
    report = Report()
    pictures(report, args.repeat)
    classification(report, args.repeat)
    await stalls(report)
    await idle_and_startup(report, args.running)
    await ingest(report, args)
    text = document(report, args, time.perf_counter() - began)
    if not args.no_write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
