"""`uv run python -m benchmarks.soak --minutes 10`: a long run of the real bot under mixed load.

One bot process against the benchmark's fake Bot API (benchmarks/loads.py), fed at once:
ideas into running brainstorms, rating taps in private wizards, and /export in a group whose
results are out; every `--restart-every` seconds the bot is stopped and started again, by
SIGTERM and by SIGKILL in turn (updates keep arriving meanwhile, as they would). The bot's
RSS is sampled every `--sample` seconds. At the end it checks

  (a) memory: every RSS sample after warm-up (the first `--warmup` seconds of the run, and
      of each restarted process) lies within ±10 % of their mean;
  (b) exactly once: every idea the bot acknowledged (its reaction) is one touchpoint stored
      from that message, and every acknowledged tap one stored answer;

and writes the numbers to docs/soak.md. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import secrets
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.loads import Bench, Proc, start_bot
from tests.fakeapi import FakeChat, FakeUser, Sent

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "soak.md"
TOLERANCE = 0.10
IDEAS_PER_GROUP = 100  # a new brainstorm in a fresh group before the workshop fills up
WORDS = [
    "website",
    "chat",
    "phone",
    "line",
    "delivery",
    "invoice",
    "email",
    "shop",
    "counter",
    "parcel",
    "locker",
    "newsletter",
    "app",
    "review",
    "hotline",
    "returns",
    "desk",
    "loyalty",
    "card",
    "billing",
    "portal",
    "onboarding",
    "call",
    "survey",
    "showroom",
    "visit",
    "helpdesk",
    "ticket",
    "courier",
    "tracking",
    "refund",
    "form",
]


def idea_text() -> str:
    """An idea no other idea is a near duplicate of (so each is stored as its own)."""
    return f"{' '.join(secrets.SystemRandom().sample(WORDS, 3))} {secrets.token_hex(6)}"


@dataclass
class Sample:
    at: float  # seconds since the run began
    since_start: float  # seconds since this bot process started
    pid: int
    rss_mib: float


@dataclass
class Soak:
    bench: Bench
    folder: Path
    args: argparse.Namespace
    proc: Proc | None = None
    started_at: float = 0.0
    began: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    restarts: Counter[str] = field(default_factory=Counter)
    ideas: list[str] = field(default_factory=list)  # the pushed ideas' keys
    taps: list[tuple[str, str, int]] = field(default_factory=list)  # (key, round, rater)
    exports: list[bool] = field(default_factory=list)  # answered or not
    stopping: bool = False
    restarting: asyncio.Lock = field(default_factory=asyncio.Lock)

    def elapsed(self) -> float:
        return time.monotonic() - self.began

    async def start(self) -> None:
        # The /export cooldown is off: the soak's group asks every `--export-every` seconds
        # to load the export path, and a refusal would only measure the cooldown.
        self.proc = await start_bot(
            self.bench, self.folder, extra=("[workshop]", "results_cooldown_seconds = 0")
        )
        self.started_at = time.monotonic()

    async def restart(self, kill: bool) -> None:
        assert self.proc is not None
        if kill:
            self.proc.proc.kill()
            await self.proc.proc.wait()
        else:
            await self.proc.stop()
        self.restarts["SIGKILL" if kill else "SIGTERM"] += 1
        await self.start()

    # --- the loads ----------------------------------------------------------------------

    async def restarter(self) -> None:
        for n in itertools.count():
            await asyncio.sleep(self.args.restart_every)
            async with self.restarting:
                if self.stopping:
                    return
                await self.restart(kill=n % 2 == 1)

    async def sampler(self) -> None:
        while not self.stopping:
            proc = self.proc
            if proc is not None and proc.proc.returncode is None:
                with contextlib.suppress(OSError, ValueError):
                    rss = proc.rss_mib()
                    self.samples.append(
                        Sample(
                            self.elapsed(),
                            time.monotonic() - self.started_at,
                            proc.proc.pid,
                            rss,
                        )
                    )
            await asyncio.sleep(self.args.sample)

    async def idea_load(self) -> None:
        """`--idea-rate` ideas a second over `--groups` brainstorms; a full group is
        replaced by a new one."""
        groups = 0

        async def new_group() -> tuple[FakeChat, list[FakeUser]]:
            nonlocal groups
            groups += 1
            people = [self.bench.user(f"I{groups}_{m}") for m in range(4)]
            chat = self.bench.group(f"Ideas {groups}", members=people, admins=people[:1])
            await self.bench.send(people[0], chat, "/brainstorm 3h")
            await self.bench.wait_message(chat, "Touchpoint brainstorm", timeout=600)
            return chat, people

        world = [await new_group() for _ in range(self.args.groups)]
        sent = Counter[int]()
        for n in itertools.count():
            if self.stopping:
                return
            slot = n % len(world)
            chat, people = world[slot]
            if sent[chat.id] >= IDEAS_PER_GROUP:
                world[slot] = chat, people = await new_group()
            key = await self.bench.push_message(people[n % 4], chat, f"/idea {idea_text()}")
            self.ideas.append(key)
            sent[chat.id] += 1
            await asyncio.sleep(1 / self.args.idea_rate)

    async def tap_load(self) -> None:
        """Raters tap through their wizards (all but the last step, so the round stays
        open), a step at a time for all of them, in a new group when one is done."""
        for tag in itertools.count():
            people = [self.bench.user(f"T{tag}_{m}") for m in range(self.args.raters)]
            chat = self.bench.group(f"Raters {tag}", members=people, admins=people[:1])
            wizards, round_id = await self.bench.rating_round(chat, people, 5)
            for step in range(5 * 3 - 1):
                batch = []
                for person, wizard in wizards:
                    if self.stopping:
                        return
                    data = f"rt:v:{round_id}:{step}:{step % 11}"
                    key = await self.bench.push_tap(person, wizard, data)
                    self.taps.append((key, round_id, person.id))
                    batch.append(key)
                await self.bench.all_acked(batch)
                await asyncio.sleep(1 / self.args.tap_rate)

    async def export_load(self) -> None:
        """A group whose results are out asks for /export every `--export-every` seconds."""
        people = [self.bench.user(f"E{m}") for m in range(3)]
        chat = self.bench.group("Export", members=people, admins=people[:1])
        wizards, round_id = await self.bench.rating_round(chat, people, 3)
        for step in range(3 * 3):
            await self.bench.all_acked(
                [
                    await self.bench.push_tap(person, wiz, f"rt:v:{round_id}:{step}:{step % 11}")
                    for person, wiz in wizards
                ]
            )
        await self.bench.send(people[0], chat, "/finish")
        await self.bench.wait_message(chat, "Ranking", timeout=600)
        while not self.stopping:
            after = max(m.message_id for m in self.bench.messages[chat.id])
            await self.bench.send(people[0], chat, "/export")

            def documents(after: int = after) -> list[Sent]:
                return [
                    m
                    for m in self.bench.bot_messages(chat)
                    if m.kind == "document" and m.message_id > after
                ]

            try:
                await self.bench.wait_for(documents, 300, "the export")
                self.exports.append(True)
            except AssertionError:
                self.exports.append(False)
            await asyncio.sleep(self.args.export_every)


@dataclass
class Verdict:
    lines: list[str]
    ok: bool


def judge(soak: Soak, db: Path, unacked: list[str]) -> Verdict:
    args = soak.args
    settled = [
        s for s in soak.samples if s.at >= args.warmup and s.since_start >= args.restart_warmup
    ]
    lines: list[str] = []
    ok = True
    if settled:
        values = [s.rss_mib for s in settled]
        mean = statistics.fmean(values)
        low, high = min(values), max(values)
        spread = max(high / mean - 1, 1 - low / mean)
        memory_ok = spread <= TOLERANCE
        ok &= memory_ok
        lines += [
            f"| RSS samples after warm-up | {len(values)} of {len(soak.samples)} |",
            f"| RSS after warm-up: min / mean / max | {low:.1f} / {mean:.1f} / {high:.1f} MiB |",
            f"| largest deviation from the mean | {spread * 100:.1f} % "
            f"({'within' if memory_ok else '**outside**'} ±{TOLERANCE * 100:.0f} %) |",
        ]
        per_process: dict[int, list[float]] = {}
        for sample in settled:
            per_process.setdefault(sample.pid, []).append(sample.rss_mib)
        for n, (pid, rss) in enumerate(per_process.items(), 1):
            lines.append(
                f"| process {n} (pid {pid}): first / last settled RSS | "
                f"{rss[0]:.1f} / {rss[-1]:.1f} MiB ({len(rss)} samples) |"
            )
    else:
        ok = False
        lines.append("| RSS after warm-up | **no samples** (run longer than the warm-up) |")

    acked = soak.bench.acked
    with contextlib.closing(sqlite3.connect(db)) as conn:
        stored = Counter(
            (chat, message)
            for chat, message in conn.execute(
                "SELECT source_chat_id, source_message_id FROM touchpoints "
                "WHERE source_message_id IS NOT NULL"
            )
        )
        answers = Counter(
            (str(round_id), rater)
            for round_id, rater in conn.execute("SELECT round_id, rater_id FROM ratings")
        )
    idea_keys = [k for k in soak.ideas if k in acked]
    idea_counts: Counter[int] = Counter()
    for key in idea_keys:
        chat, message = key[1:].split(":")
        idea_counts[stored[(int(chat), int(message))]] += 1
    ideas_ok = set(idea_counts) <= {1}
    tapped = Counter((round_id, rater) for key, round_id, rater in soak.taps if key in acked)
    wrong_taps = {k: (n, answers[k]) for k, n in tapped.items() if answers[k] != n}
    taps_ok = not wrong_taps
    ok &= ideas_ok and taps_ok
    lines += [
        f"| ideas pushed / acknowledged | {len(soak.ideas)} / {len(idea_keys)} |",
        f"| acknowledged ideas stored exactly once | {idea_counts[1]} "
        f"({'all' if ideas_ok else '**not all**: ' + str(dict(idea_counts))}) |",
        f"| taps pushed / acknowledged | {len(soak.taps)} / {sum(tapped.values())} |",
        f"| acknowledged taps stored once (answers per rater and round match) | "
        f"{'yes' if taps_ok else '**no**: ' + str(wrong_taps)[:300]} |",
        f"| /export asked / answered | {len(soak.exports)} / {sum(soak.exports)} |",
        f"| restarts (SIGTERM / SIGKILL) | {soak.restarts['SIGTERM']} / "
        f"{soak.restarts['SIGKILL']} |",
        f"| updates never acknowledged (lost, after the final wait) | {len(unacked)} |",
    ]
    return Verdict(lines, ok)


def document(soak: Soak, verdict: Verdict, took: float) -> str:
    args = soak.args
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "# Soak run",
            "",
            "Written by `uv run python -m benchmarks.soak` (see its docstring): the real bot "
            "against the fake Bot API under mixed load, restarted every "
            f"{args.restart_every:.0f} s (SIGTERM and SIGKILL in turn).",
            "",
            f"Run {now}: {args.minutes:g} minutes asked, {took / 60:.1f} taken; "
            f"{args.groups} idea groups at {args.idea_rate:g} ideas/s, raters in groups of "
            f"{args.raters} at {args.tap_rate:g} steps/s, /export every "
            f"{args.export_every:g} s; RSS every {args.sample:g} s, warm-up "
            f"{args.warmup:g} s of the run and {args.restart_warmup:g} s of each process.",
            "",
            f"**Verdict: {'pass' if verdict.ok else 'FAIL'}**",
            "",
            "| figure | value |",
            "|---|---|",
            *verdict.lines,
            "",
        ]
    )


async def run(args: argparse.Namespace) -> bool:
    with tempfile.TemporaryDirectory(prefix="touchwheel-soak-") as tmp:
        folder = Path(tmp)
        bench = Bench()
        await bench.start()
        soak = Soak(bench, folder, args)
        tasks: list[asyncio.Task[None]] = []
        try:
            await soak.start()
            tasks = [
                asyncio.create_task(job())
                for job in (
                    soak.sampler,
                    soak.restarter,
                    soak.idea_load,
                    soak.tap_load,
                    soak.export_load,
                )
            ]
            done, _ = await asyncio.wait(tasks, timeout=args.minutes * 60)
            for task in done:  # a load that failed ends the run early, and says why
                task.result()
            async with soak.restarting:  # a restart under way finishes first
                soak.stopping = True
                for task in tasks:
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            # Then what was pushed and is still unanswered gets its chance.
            pushed = soak.ideas + [key for key, _, _ in soak.taps]
            with contextlib.suppress(AssertionError):
                await bench.all_acked(pushed, timeout=120)
            unacked = [key for key in pushed if key not in bench.acked]
            assert soak.proc is not None
            await soak.proc.stop()
        finally:
            soak.stopping = True
            for task in tasks:
                task.cancel()
            if soak.proc is not None and soak.proc.proc.returncode is None:
                soak.proc.proc.kill()
                await soak.proc.proc.wait()
            await bench.stop()
        verdict = judge(soak, folder / "bot.sqlite3", unacked)
    DOC.write_text(document(soak, verdict, soak.elapsed()), encoding="utf-8")
    print("\n".join(verdict.lines))
    print(f"verdict: {'pass' if verdict.ok else 'FAIL'} (written to {DOC.relative_to(ROOT)})")
    return verdict.ok


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--restart-every", type=float, default=120.0, help="seconds")
    parser.add_argument("--sample", type=float, default=5.0, help="RSS every … seconds")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds of the run")
    parser.add_argument(
        "--restart-warmup", type=float, default=20.0, help="seconds of each bot process"
    )
    parser.add_argument("--groups", type=int, default=20, help="brainstorms taking ideas")
    parser.add_argument("--idea-rate", type=float, default=4.0, help="ideas a second")
    parser.add_argument("--raters", type=int, default=5)
    parser.add_argument("--tap-rate", type=float, default=2.0, help="wizard steps a second")
    parser.add_argument("--export-every", type=float, default=10.0, help="seconds")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return 0 if asyncio.run(run(args)) else 1


if __name__ == "__main__":
    sys.exit(main())
