"""The load side of the benchmark: the fake Bot API with acknowledgement timestamps, the two
bot processes, and the update patterns both are fed."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.domain import JobKind
from bot.outbound import COUNTED
from storage import Storage
from storage.db import utcnow
from tests.fakeapi import BOT_TOKEN, FakeChat, FakeTelegram, FakeUser, Sent

ROOT = Path(__file__).resolve().parent.parent
LOOP_LAG_ENV = "TOUCHWHEEL_LOOP_LAG_LOG"  # bot/app.py's, spelled out: an older checkout lacks it


def bot_root() -> Path:
    """Which checkout's `python -m bot` runs (another worktree: a before/after comparison)."""
    return Path(os.environ.get("BENCH_BOT_ROOT", str(ROOT)))


TICK = os.sysconf("SC_CLK_TCK")


def _turn(
    people: list[FakeUser], n: int, world: list[tuple[FakeChat, list[FakeUser]]]
) -> FakeUser:
    """Whose turn the `n`th message of a round over `world` is: a group's messages go round
    its people, so no one sends more than Touchwheel's idea messages a minute."""
    return people[(n // len(world)) % len(people)]


class Bench(FakeTelegram):
    """The fake, noting when each update was handed out and when it was acknowledged."""

    def __init__(self) -> None:
        super().__init__()
        self.pushed: dict[str, float] = {}
        self.acked: dict[str, float] = {}
        # The benchmark's groups take as much as the bot sends: pacing is the bot's job.
        self.group_limit = False

    def _check_send(self, chat: FakeChat) -> None:
        if chat.type == "private" or self.group_limit:
            super()._check_send(chat)

    async def _api_setMessageReaction(  # noqa: N802 - the Bot API's method name
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        self.acked.setdefault(f"m{params['chat_id']}:{params['message_id']}", time.perf_counter())
        return True

    async def _api_answerCallbackQuery(  # noqa: N802
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> Any:
        self.acked.setdefault(f"q{params['callback_query_id']}", time.perf_counter())
        return await super()._api_answerCallbackQuery(params, files)

    async def push_message(self, user: FakeUser, chat: FakeChat, text: str) -> str:
        data = self._message(user, chat, text)
        key = f"m{chat.id}:{data['message_id']}"
        self.pushed[key] = time.perf_counter()
        await self._push({"message": data})
        return key

    async def push_tap(self, user: FakeUser, message: Sent, data: str) -> str:
        began = time.perf_counter()
        key = f"q{await self.push_callback(user, message, data)}"
        self.pushed[key] = began
        return key

    async def all_acked(self, keys: list[str], timeout: float = 600) -> None:
        await self.wait_for(lambda: all(k in self.acked for k in keys), timeout, "the acks")

    def latencies(self, keys: list[str]) -> Latencies:
        return Latencies(
            [(self.acked[k] - self.pushed[k]) * 1000 for k in keys if k in self.acked]
        )

    # --- worlds ---------------------------------------------------------------------------

    async def world(self, groups: int, members: int) -> list[tuple[FakeChat, list[FakeUser]]]:
        made = []
        for n in range(groups):
            people = [self.user(f"U{n}_{m}") for m in range(members)]
            made.append((self.group(f"Group {n}", members=people, admins=people[:1]), people))
        return made

    async def brainstorms(self, world: list[tuple[FakeChat, list[FakeUser]]]) -> None:
        for chat, people in world:
            await self.send(people[0], chat, "/brainstorm 3h")
        await self.wait_for(
            lambda: all(any(m.from_bot for m in self.messages[c.id]) for c, _ in world),
            600,
            "every board",
        )

    async def burst_ideas(self, world: list[tuple[FakeChat, list[FakeUser]]], count: int) -> Burst:
        began = time.perf_counter()
        keys = []
        for n in range(count):
            chat, people = world[n % len(world)]
            keys.append(await self.push_message(_turn(people, n, world), chat, f"/idea Burst {n}"))
        await self.all_acked(keys)
        return Burst(time.perf_counter() - began)

    async def steady_ideas(
        self, world: list[tuple[FakeChat, list[FakeUser]]], rate: int, seconds: float
    ) -> Latencies:
        keys: list[str] = []
        began = time.perf_counter()
        counter = itertools.count()
        while (elapsed := time.perf_counter() - began) < seconds:
            due = int(elapsed * rate)
            while len(keys) < due:
                n = next(counter)
                chat, people = world[n % len(world)]
                text = f"/idea Steady {rate} {n}"
                keys.append(await self.push_message(_turn(people, n, world), chat, text))
            await asyncio.sleep(0.002)
        await self.all_acked(keys)
        return self.latencies(keys)

    async def sequential_ideas(
        self, proc: Proc, cap: int, window: int, workshops: int, brainstorm: bool
    ) -> tuple[float, float]:
        """CPU per idea fed one at a time into fresh groups, each filled up to `cap` ideas:
        the first `window` (an empty workshop) and the last `window` (a nearly full one),
        summed over `workshops` groups (the CPU clock ticks in 10 ms)."""
        shallow = deep = 0.0
        for w in range(workshops):
            # Ten people, so that no one sends more than Touchwheel's idea messages a minute.
            people = [self.user(f"S{w}_{n}") for n in range(10)]
            chat = self.group(f"Sequential {w}", members=people, admins=people[:1])
            if brainstorm:
                await self.send(people[0], chat, "/brainstorm 3h")
                await self.wait_message(chat, "Touchpoint brainstorm")

            shallow += await self._feed(proc, chat, people, 0, window)
            await self._feed(proc, chat, people, window, cap - 2 * window)
            deep += await self._feed(proc, chat, people, cap - window, window)
        timed = window * workshops
        return shallow * 1000 / timed, deep * 1000 / timed

    async def _feed(
        self, proc: Proc, chat: FakeChat, people: list[FakeUser], start: int, amount: int
    ) -> float:
        """Ideas `start`… one at a time, each once the last is acknowledged; the CPU seconds."""
        cpu0 = proc.cpu()
        for n in range(start, start + amount):
            key = await self.push_message(
                people[n % len(people)], chat, f"/idea Channel number {n} here"
            )
            await self.all_acked([key])
        return proc.cpu() - cpu0

    async def taps(
        self, proc: Proc, raters: int, touchpoints: int, rounds: bool, tag: str = ""
    ) -> Taps:
        """`raters` people (new ones for each `tag`) in one group tap through the wizard, all
        but the last step, each step once every rater's previous tap was answered."""
        people = [self.user(f"R{tag}{n}") for n in range(raters)]
        chat = self.group(f"Raters {tag}", members=people, admins=people[:1])
        wizards: list[tuple[FakeUser, Sent]] = []
        round_id = "0"
        if rounds:
            wizards, round_id = await self.rating_round(chat, people, touchpoints)
        else:
            for person in people:
                message = await self.send(person, self.private(person), "/start")
                wizards.append((person, message))
        steps = touchpoints * 3 - 1
        cpu0 = proc.cpu()
        keys = []
        for step in range(steps):
            batch = []
            for person, wizard in wizards:
                batch.append(
                    await self.push_tap(person, wizard, f"rt:v:{round_id}:{step}:{step % 11}")
                )
            await self.all_acked(batch)
            keys += batch
        cpu = (proc.cpu() - cpu0) * 1000 / len(keys)
        return Taps(cpu, self.latencies(keys).percentile(99), chat, people)

    async def rating_round(
        self, chat: FakeChat, people: list[FakeUser], touchpoints: int
    ) -> tuple[list[tuple[FakeUser, Sent]], str]:
        """A brainstorm with `touchpoints` ideas, finished, and a rating round every one of
        `people` (the first facilitates) has opened: their wizards, and the round's id."""
        await self.send(people[0], chat, "/brainstorm 1h")
        await self.wait_message(chat, "Touchpoint brainstorm")
        names = ["Website chat", "Phone line", "Delivery", "Invoice email", "Shop counter"]
        lines = "\n".join(names[:touchpoints])
        await self.all_acked([await self.push_message(people[0], chat, f"/idea {lines}")])
        await self.send(people[0], chat, "/finish")
        await self.wait_message(chat, "Time is up")
        await self.send(people[0], chat, "/rate 2h")
        announcement = await self.wait_message(chat, "Rating round")
        token = str(announcement.button("Rate privately")["url"]).split("start=r_")[1]
        wizards = []
        for person in people:
            private = self.private(person)
            await self.start_bot(person, f"r_{token}")
            wizard = await self.wait_message(private, "Touchpoint", timeout=600)
            wizards.append((person, wizard))
        found = re.search(r"rt:v:(\d+):", str(wizards[0][1].buttons()[0]["callback_data"]))
        assert found is not None
        return wizards, found.group(1)

    async def drained(self, quiet: float = 2.0, timeout: float = 600) -> float:
        """Wait until the bot has sent no message and no edit for `quiet` seconds (what its
        limiter held back has gone out); the seconds it took, the quiet period not counted."""
        began = time.monotonic()
        seen = len(self.calls)
        last = began
        while time.monotonic() - last < quiet:
            if time.monotonic() - began > timeout:
                raise AssertionError("the bot kept sending")
            await asyncio.sleep(0.1)
            if any(name in COUNTED for name, _params in self.calls[seen:]):
                last = time.monotonic()
            seen = len(self.calls)
        return last - began

    async def finish_round(self, proc: Proc, taps: Taps, publishes: bool) -> Finish:
        """The facilitator sends /finish in the raters' group: the time to the wheel photo
        (Touchwheel) or to the acknowledgement (echo), the time until every rater got the
        private "results are out" line (the publication done), and the longest loop stall
        in between (Touchwheel's own monitor; NaN for the echo bot)."""
        await proc.lag()  # starts the monitor's window over
        photos = len([m for m in self.bot_messages(taps.chat) if m.kind == "photo"])
        began = time.monotonic()
        key = await self.push_message(taps.people[0], taps.chat, "/finish")
        if not publishes:
            await self.all_acked([key])
            done = self.acked[key] - self.pushed[key]
            return Finish(done, done, await proc.lag())

        def wheel() -> Sent | None:
            shown = [m for m in self.bot_messages(taps.chat) if m.kind == "photo"]
            return shown[photos] if len(shown) > photos else None

        photo: Sent = await self.wait_for(wheel, 600, "the wheel")
        await self.wait_for(
            lambda: all(
                any("results of rating round" in m.text for m in self.bot_messages(chat))
                for chat in (self.private(person) for person in taps.people)
            ),
            600,
            "every rater's results line",
        )
        published = time.monotonic() - began
        return Finish(photo.sent_at - began, published, await proc.lag())

    @staticmethod
    async def populate(folder: Path, running: int) -> None:
        """`running` brainstorms in as many chats, each with its closing job, before start."""
        store = await Storage.open(folder / "bot.sqlite3")
        try:
            deadline = utcnow() + timedelta(hours=3)
            for n in range(running):
                chat_id = -1_002_000_000_000 - n
                await store.chats.touch(chat_id, f"Busy {n}", "supergroup")
                ws = await store.workshops.create(
                    chat_id, "", 1, "en", secrets.token_urlsafe(9), deadline
                )
                assert ws is not None
                await store.jobs.put(
                    f"{JobKind.BRAINSTORM_END.value}:{ws.id}",
                    JobKind.BRAINSTORM_END,
                    ws.id,
                    deadline,
                )
        finally:
            await store.close()


@dataclass
class Burst:
    seconds: float


@dataclass
class Taps:
    cpu_ms: float
    p99: float
    chat: FakeChat
    people: list[FakeUser]


@dataclass
class Finish:
    wheel_s: float  # /finish to the wheel photo (echo: to its acknowledgement)
    published_s: float  # /finish to the last rater's "results are out" line
    stall_ms: float  # the longest loop stall in between (NaN without the monitor)


@dataclass
class Latencies:
    values: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.values)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Proc:
    """A bot process: its CPU time and memory, read from /proc; the longest event-loop stall
    from Touchwheel's opt-in monitor (TOUCHWHEEL_LOOP_LAG_LOG, bot/app.py)."""

    def __init__(self, proc: asyncio.subprocess.Process, lag_log: Path | None = None) -> None:
        self.proc = proc
        self.lag_log = lag_log

    def _lag_lines(self) -> list[str]:
        assert self.lag_log is not None
        if not self.lag_log.exists():
            return []
        return self.lag_log.read_text(encoding="utf-8").splitlines()

    async def lag(self) -> float:
        """The longest loop stall (ms) since the last call (or the start); the monitor then
        starts over. NaN for a process without the monitor."""
        if self.lag_log is None:
            return float("nan")
        before = len(self._lag_lines())
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while len(lines := self._lag_lines()) <= before:
            if time.monotonic() > deadline:
                raise AssertionError("the loop-lag monitor did not answer SIGUSR1")
            await asyncio.sleep(0.01)
        return float(lines[-1])

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def _launch(bench: Bench, *args: str, lag_log: Path | None = None) -> Proc:
    polls = bench.polls
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if lag_log is not None:
        env[LOOP_LAG_ENV] = str(lag_log)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=bot_root() if args[:2] == ("-m", "bot") else ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )
    await bench.wait_for(lambda: bench.polls > polls, 120, "the first getUpdates")
    return Proc(proc, lag_log)


async def start_bot(
    bench: Bench, folder: Path, watch_lag: bool = False, extra: tuple[str, ...] = ()
) -> Proc:
    """Touchwheel as shipped, its database and config in `folder`; with `watch_lag`, its
    loop-lag monitor on (an older checkout without one ignores the variable); `extra` lines
    end the config (a section of settings that differ from the shipped ones)."""
    config = folder / "config.toml"
    config.write_text(
        "\n".join(
            [
                "[telegram]",
                f'token = "{BOT_TOKEN}"',
                f'api_server = "http://127.0.0.1:{bench.port}"',
                "[storage]",
                f'path = "{folder / "bot.sqlite3"}"',
                "[logging]",
                'level = "WARNING"',
                *extra,
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    lag_log = folder / "loop-lag.log" if watch_lag else None
    return await _launch(bench, "-m", "bot", "--config", str(config), lag_log=lag_log)


async def start_echo(bench: Bench, lag_log: Path | None = None) -> Proc:
    """The echo bot; with `lag_log`, its copy of Touchwheel's loop-lag monitor on."""
    api = f"http://127.0.0.1:{bench.port}"
    return await _launch(bench, "-m", "benchmarks.echo_bot", api, BOT_TOKEN, lag_log=lag_log)
