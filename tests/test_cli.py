"""The command line: --version, --help listing the commands, and a stop signal that comes
before the event loop took the signals over."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest

from bot.__main__ import EarlyStop
from bot.app import run
from bot.config import Config

ROOT = Path(__file__).resolve().parent.parent


def touchwheel(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_version() -> None:
    result = touchwheel("--version")
    assert (result.returncode, result.stdout) == (0, f"touchwheel {version('touchwheel')}\n")


def test_help_lists_the_commands_and_the_environment() -> None:
    result = touchwheel("--help")
    assert result.returncode == 0
    commands = result.stdout.split("commands:", 1)[1]
    for command in ("check", "demo", "backup PATH"):
        assert f"\n  {command}  " in commands, result.stdout
    assert "playbook" not in result.stdout  # dev only
    assert "TOUCHWHEEL_<SECTION>__<KEY>" in result.stdout
    assert "BOT_TOKEN" in result.stdout


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("restore_signals")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_before_the_event_loop_is_noted_not_fatal(sig: int) -> None:
    early = EarlyStop()
    assert early.noted() is None
    os.kill(os.getpid(), sig)  # the handler runs at the next bytecode boundary
    assert early.noted() == sig


async def test_a_noted_signal_stops_before_anything_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config.model_validate(
        {"telegram": {"token": "1:abc"}, "storage": {"path": str(tmp_path / "db.sqlite3")}}
    )
    with caplog.at_level(logging.INFO, logger="bot.app"):
        await run(config, stopping=lambda: signal.SIGTERM)
    assert [r.getMessage() for r in caplog.records] == ["SIGTERM received; stopping", "stopped"]
    assert not (tmp_path / "db.sqlite3").exists()  # no database opened, nothing migrated
