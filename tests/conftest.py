"""Fixtures: the in-process harness and the real bot process against the fake Bot API."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from tests.fakeapi import BOT_TOKEN, FakeTelegram
from tests.harness import Harness, RecordingSession, make_harness

ROOT = Path(__file__).resolve().parent.parent
# The fake and the bot agree on a 10-second "minute" for a group's 20 messages: the same
# pacing, 429s and retries as against Telegram, six times faster.
E2E_GROUP_WINDOW = 10.0
# A bot process starts in about a second; four test workers on a loaded two-core machine
# have been seen to need most of a minute, two copies of the suite side by side more than 90 s.
START_TIMEOUT = 180.0
# Every pytest run has an id (set before xdist starts its workers, who inherit it). Each
# process a test starts carries it in BOT_ENV, and so do that process's own children (the
# render worker, multiprocessing's resource tracker), so the run can find what it left
# running, and only what it left: a second copy of the suite has its own id.
SESSION_ENV = "TOUCHWHEEL_TEST_SESSION"
BOT_ENV = "TOUCHWHEEL_TEST_BOT"
LEFTOVER_TIMEOUT = 30.0
# Process groups of the bots this process started and has not yet seen gone.
_live_groups: set[int] = set()


def session_id() -> str:
    return os.environ.setdefault(SESSION_ENV, uuid.uuid4().hex)


def bot_env(**extra: str) -> dict[str, str]:
    """The environment for a process a test starts: marked with this run's id."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", BOT_ENV: session_id(), **extra}


def marked_processes(session: str) -> list[int]:
    """The pids of live processes started with this run's mark (zombies not counted)."""
    marker = f"{BOT_ENV}={session}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if state != "Z":
            found.append(int(entry.name))
    return found


def wait_until_gone(pids: Callable[[], list[int]], timeout: float) -> list[int]:
    """Poll until `pids()` is empty or the deadline passes; what is left."""
    deadline = time.monotonic() + timeout
    while (left := pids()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def kill_groups(groups: set[int]) -> None:
    for group in list(groups):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        groups.discard(group)


# An interrupted or timed-out test may skip its fixtures' teardown: the bots still go.
atexit.register(kill_groups, _live_groups)


def pytest_configure(config: pytest.Config) -> None:
    # A new id for every run (a pytest a test runs gets its own too); xdist workers keep
    # their controller's, which they inherit.
    if not hasattr(config, "workerinput"):
        os.environ[SESSION_ENV] = uuid.uuid4().hex


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a process a test started outlived it (checked once, by the xdist
    controller or the lone process, after every test and fixture has finished)."""
    kill_groups(_live_groups)
    if hasattr(session.config, "workerinput"):
        return
    left = wait_until_gone(lambda: marked_processes(session_id()), LEFTOVER_TIMEOUT)
    if not left:
        return
    described = []
    for pid in left:
        with contextlib.suppress(OSError):
            described.append(f"{pid}: {Path(f'/proc/{pid}/cmdline').read_bytes()!r}")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = "processes started by this test run were still running (now killed):\n"
    if reporter is not None:
        reporter.write_line(message + "\n".join(described), red=True)
    else:
        print(message + "\n".join(described), file=sys.stderr)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def no_unknown_bot_api_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if the bot called a Bot API method an in-process session does not know.

    The session raises at the call, but the bot may swallow that (its error handler answers
    any failed update), so every RecordingSession made during the test is checked here."""
    sessions: list[RecordingSession] = []
    init = RecordingSession.__init__

    def tracked(self: RecordingSession, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        sessions.append(self)

    monkeypatch.setattr(RecordingSession, "__init__", tracked)
    yield
    unknown = [name for session in sessions for name in session.unknown]
    assert not unknown, f"the bot called Bot API methods the session does not know: {unknown}"


@pytest.fixture
def config() -> Config:
    return Config.model_validate(
        {
            "telegram": {"token": "42:TEST"},
            "workshop": {"board_edit_seconds": 0},
            "render": {"workers": 0},  # in a thread: no process to start per test
        }
    )


@pytest.fixture
async def harness(config: Config, tmp_path: Path) -> AsyncIterator[Harness]:
    h = await make_harness(config, str(tmp_path / "test.sqlite3"))
    yield h
    await h.dp.emit_shutdown(bot=h.bot, **h.dp.workflow_data)
    await h.ctx.scheduler.shutdown()
    await h.ctx.store.close()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def group_members(group: int) -> list[int]:
    """Live processes in a process group (a killed bot's helpers keep its group)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            found.append(int(entry.name))
    return found


class BotProcess:
    """`python -m bot --config …` as a child process, its output kept in a log file."""

    def __init__(self, config_path: Path, log_path: Path, fake: FakeTelegram) -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.fake = fake
        self.proc: asyncio.subprocess.Process | None = None
        self.groups: set[int] = set()  # each start's process group, until seen gone

    async def start(self) -> None:
        polls, hooks = self.fake.polls, self.fake.webhook_sets
        with self.log_path.open("ab") as log:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "--config",
                str(self.config_path),
                cwd=ROOT,
                stdout=log,
                stderr=log,
                env=bot_env(),
                # Its own process group: its render worker and resource tracker go with it.
                start_new_session=True,
            )
        self.groups.add(self.proc.pid)
        _live_groups.add(self.proc.pid)
        try:
            await self.fake.wait_for(
                lambda: self.fake.polls > polls or self.fake.webhook_sets > hooks,
                START_TIMEOUT,
                "the bot to poll or set its webhook",
            )
        except AssertionError:
            raise AssertionError(f"bot did not start:\n{self.log()}") from None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        self.proc = None
        return code

    def kill_all(self) -> None:
        """Whatever happened: the bot and every process it started are gone."""
        kill_groups(self.groups)

    async def restart(self) -> None:
        """SIGKILL the bot alone (no chance to clean up, as the OOM killer would), wait until
        its helpers have noticed and gone too, and start it again."""
        assert self.proc is not None
        group = self.proc.pid
        await self.stop(signal.SIGKILL)
        left = await asyncio.to_thread(wait_until_gone, lambda: group_members(group), 60)
        assert not left, f"the killed bot's helpers {left} are still running"
        self.groups.discard(group)
        _live_groups.discard(group)
        await self.start()


@pytest.fixture
def group_window() -> float:
    """The "minute" over which the fake and the bot count a group's 20 messages."""
    return E2E_GROUP_WINDOW


@pytest.fixture
async def tg(group_window: float) -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(group_window=group_window)
    await fake.start()
    yield fake
    await fake.stop()
    # Whatever else a test allows, the bot calling a method the fake does not have is a
    # mistake (in the bot, or a gap in the fake).
    unknown = [error for error in fake.errors if error[1] == 404]
    assert not unknown, f"the bot called Bot API methods the fake does not know: {unknown}"


RunBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def run_bot(tg: FakeTelegram, tmp_path: Path) -> AsyncIterator[RunBot]:
    """Start the real bot against the fake; keyword arguments override [workshop] keys,
    `sections` adds others ({"webhook": {...}})."""
    started: list[BotProcess] = []

    async def launch(
        locale: str = "en",
        mode: str = "polling",
        sections: dict[str, dict[str, Any]] | None = None,
        **workshop: Any,
    ) -> BotProcess:
        settings = {"board_edit_seconds": 1, **workshop}
        lines = [
            "[telegram]",
            f"token = {_toml(BOT_TOKEN)}",
            f"api_server = {_toml(f'http://127.0.0.1:{tg.port}')}",
            f"mode = {_toml(mode)}",
            f"group_window_seconds = {_toml(tg.group_window)}",
            "[storage]",
            f"path = {_toml(str(tmp_path / 'bot.sqlite3'))}",
            "[workshop]",
            *(f"{key} = {_toml(value)}" for key, value in settings.items()),
            "[locale]",
            f"default = {_toml(locale)}",
            "[logging]",
            'level = "INFO"',
        ]
        for name, keys in (sections or {}).items():
            lines += [f"[{name}]", *(f"{key} = {_toml(value)}" for key, value in keys.items())]
        path = tmp_path / "config.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        process = BotProcess(path, tmp_path / "bot.log", tg)
        started.append(process)  # before it starts: a bot that never polls is still stopped
        await process.start()
        return process

    try:
        yield launch
        for process in started:
            if process.proc is not None:
                code = await process.stop()
                assert code == 0, f"bot exited with {code}:\n{process.log()}"
                assert "Traceback" not in process.log(), process.log()
    finally:
        for process in started:
            process.kill_all()
