"""Fixtures: the in-process harness and the real bot process against the fake Bot API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
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
# have been seen to need most of a minute.
START_TIMEOUT = 90.0


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


class BotProcess:
    """`python -m bot --config …` as a child process, its output kept in a log file."""

    def __init__(self, config_path: Path, log_path: Path, fake: FakeTelegram) -> None:
        self.config_path = config_path
        self.log_path = log_path
        self.fake = fake
        self.proc: asyncio.subprocess.Process | None = None

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
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                # Its own process group: its render worker and resource tracker go with it.
                start_new_session=True,
            )
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
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def restart(self) -> None:
        """SIGKILL the bot (no chance to clean up) and start it again; its helpers die with
        it, as a supervisor that kills the whole service would kill them."""
        self.kill_all()
        await self.stop(signal.SIGKILL)
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
