"""`uv run python -m benchmarks.profile [--before PATH]`: where the bot's CPU goes.

py-spy (installed separately: `pip install py-spy`) samples the real bot process while it
takes a burst of ideas and then rating taps against the fake Bot API; the top frames are
written to docs/profiles.md. With `--before PATH` (another checkout, e.g. a git worktree of
an older commit) the same is done for that code first, for a before/after comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import signal
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "profiles.md"
OURS = ("(bot/", "(handlers/", "(storage/")
WATCH = ("aiosqlite", "pydantic", "aiogram/dispatcher", "aiogram/client", "keyboard")


async def sample(kind: str, out: Path) -> None:
    """The bot process sampled through one workload: "ideas" (a burst of 1,500 in 50
    groups), "taps" (100 raters joining a round and tapping 8 steps), "close" (`/finish` on
    such a round once its queued messages went out, until everything is published)."""
    from benchmarks.loads import Bench, start_bot

    with tempfile.TemporaryDirectory() as tmp:
        bench = Bench()
        await bench.start()
        proc = await start_bot(bench, Path(tmp))
        try:
            world = await bench.world(50, 5)
            await bench.brainstorms(world)
            taps = None
            if kind == "close":
                taps = await bench.taps(proc, raters=100, touchpoints=3, rounds=True)
                await bench.drained()
            spy = await asyncio.create_subprocess_exec(
                *("py-spy", "record", "--pid", str(proc.proc.pid), "--format", "raw"),
                *("-o", str(out), "--rate", "200", "--nonblocking"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await asyncio.sleep(1)
            if kind == "ideas":
                await bench.burst_ideas(world, 1500)
            elif kind == "taps":
                await bench.taps(proc, raters=100, touchpoints=3, rounds=True)
            else:
                assert taps is not None
                await bench.push_message(taps.people[0], taps.chat, "/finish")
                await bench.wait_for(
                    lambda: any(m.kind == "photo" for m in bench.bot_messages(taps.chat)),
                    600,
                    "the wheel",
                )
                await bench.drained()
            spy.send_signal(signal.SIGINT)
            await spy.wait()
        finally:
            await proc.stop()
            await bench.stop()


def summary(raw: Path, top: int = 14) -> list[str]:
    """Inclusive share of the samples for our frames and a few library hot spots."""
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        total += int(count)
        seen = set()
        for frame in stack.split(";"):
            name = frame.split(":")[0] + ")" if "(" in frame else frame
            name = name.replace(str(ROOT / ".venv" / "lib"), "").split("site-packages/")[-1]
            if (any(p in frame for p in OURS) or any(w in frame for w in WATCH)) and (
                name not in seen
            ):
                inclusive[name] += int(count)
                seen.add(name)
    rows = [
        f"| {share * 100 / total:.1f}% | `{name}` |" for name, share in inclusive.most_common(top)
    ]
    by_place = self_time(raw)
    idle = by_place[IDLE]
    spent = [f"| {n * 100 / total:.1f}% | {where} |" for where, n in by_place.most_common()]
    return [
        f"{total} samples, {total - idle} of them busy (not the loop waiting in `epoll`).",
        "",
        "| share | frame (inclusive) |",
        "|---|---|",
        *rows,
        "",
        "| share | where the CPU is spent (the innermost frame's package) |",
        "|---|---|",
        *spent,
    ]


IDLE = "the loop waiting for I/O (selectors.py, epoll: idle, yet sampled by py-spy)"
PACKAGES = (
    ("aiosqlite", "aiosqlite + sqlite3 (its own thread)"),
    ("sqlite3", "aiosqlite + sqlite3 (its own thread)"),
    ("(bot/", "Touchwheel (bot/, handlers/, storage/)"),
    ("(handlers/", "Touchwheel (bot/, handlers/, storage/)"),
    ("(storage/", "Touchwheel (bot/, handlers/, storage/)"),
    ("pydantic", "pydantic (parsing updates and responses)"),
    ("aiogram/", "aiogram (dispatcher, client, filters)"),
    ("aiohttp", "aiohttp (HTTP to the Bot API)"),
    ("asyncio", "asyncio (event loop, futures)"),
    ("selectors.py", IDLE),
    ("logging", "logging"),
    ("json", "json"),
    ("threading", "thread hand-offs (threading, queue)"),
    ("queue", "thread hand-offs (threading, queue)"),
)


def self_time(raw: Path) -> collections.Counter[str]:
    """Samples by the package of the innermost Python frame (where the time is spent)."""
    spent: collections.Counter[str] = collections.Counter()
    for line in raw.read_text().splitlines():
        if not line.strip():
            continue
        stack, count = line.rsplit(" ", 1)
        leaf = stack.split(";")[-1]
        where = next((label for key, label in PACKAGES if key in leaf), "")
        if not where:  # name the file: the selector's poll, ssl, the interpreter's own frames
            where = "other: " + (leaf.rsplit("(", 1)[-1].split(":")[0].rsplit("/", 1)[-1] or leaf)
        spent[where] += int(count)
    return spent


async def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("--before", help="another checkout to profile first")
    args = parser.parse_args()
    if shutil.which("py-spy") is None:
        raise SystemExit("py-spy is not installed: pip install py-spy")
    lines = [
        "# Profiles",
        "",
        "Written by `uv run python -m benchmarks.profile --before <older checkout>`. Each",
        "section samples the bot process (`python -m bot`, the render worker not included) at",
        "200 Hz with py-spy through the same workload: ideas, a burst of 1,500 in 50 groups;",
        "taps, 100 raters joining a round and tapping 8 steps; close, the facilitator's",
        "`/finish` on such a round (once its queued messages went out) until the wheel, the",
        "ranking and plan and every rater's closed wizard and private line are out. py-spy",
        "also samples the event loop waiting in `epoll` (selectors.py); the busy samples,",
        "without those, are the CPU time it took. Shares are of all samples.",
        "",
    ]
    checkouts = ([("before", Path(args.before))] if args.before else []) + [("after", ROOT)]
    for label, checkout in checkouts:
        os.environ["BENCH_BOT_ROOT"] = str(checkout)
        for kind in ("ideas", "taps", "close"):
            with tempfile.TemporaryDirectory() as tmp:
                raw = Path(tmp) / f"{kind}.txt"
                await sample(kind, raw)
                lines += [f"## {label}: {kind} ({checkout.name})", "", *summary(raw), ""]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(DOC.read_text(encoding="utf-8"))


if __name__ == "__main__":
    asyncio.run(main())
