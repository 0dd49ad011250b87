"""Start-up against a Bot API that is not there yet, and with a token Telegram rejects."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from tests.conftest import ROOT, START_TIMEOUT, bot_env
from tests.fakeapi import BOT_TOKEN, FakeTelegram


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(tmp_path: Path, port: int, token: str = BOT_TOKEN) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        "\n".join(
            [
                "[telegram]",
                f'token = "{token}"',
                f'api_server = "http://127.0.0.1:{port}"',
                "[storage]",
                f'path = "{tmp_path / "bot.sqlite3"}"',
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


async def spawn(config: Path, log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config),
            cwd=ROOT,
            stdout=out,
            stderr=out,
            env=bot_env(),
        )


def read(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else ""


async def wait_for_text(
    log: Path, text: str, count: int = 1, timeout: float = START_TIMEOUT
) -> str:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        content = read(log)
        if content.count(text) >= count:
            return content
        assert asyncio.get_running_loop().time() < deadline, f"no {text!r} in:\n{content}"
        await asyncio.sleep(0.1)


async def test_an_unreachable_api_is_retried_until_it_answers(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "bot.log"
    proc = await spawn(write_config(tmp_path, port), log)
    fake = FakeTelegram()
    try:
        # Nobody listens on the port: two retries, each one line, back-off doubling.
        content = await wait_for_text(log, "Telegram is unreachable at start-up", count=2)
        assert "attempt 1:" in content and "retrying in 1 s" in content
        assert "attempt 2:" in content and "retrying in 2 s" in content
        assert "Traceback" not in content and proc.returncode is None
        # The API comes up: the bot connects, polls and answers.
        await fake.start(port)
        await fake.wait_for(lambda: fake.polls > 0, START_TIMEOUT, "the bot to poll")
        alice = fake.user("Alice")
        await fake.send(alice, fake.private(alice), "/start")
        await fake.wait_message(fake.private(alice), "customer-touchpoint workshops")
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            code = await asyncio.wait_for(proc.wait(), 20)
        finally:
            if proc.returncode is None:
                proc.kill()
            await fake.stop()
    assert code == 0, read(log)
    assert "Traceback" not in read(log)


async def test_a_rejected_token_exits_2_with_one_line(tmp_path: Path) -> None:
    fake = FakeTelegram()
    await fake.start()
    proc = None
    try:
        log = tmp_path / "bot.log"
        proc = await spawn(write_config(tmp_path, fake.port, token="123456:REVOKED"), log)
        code = await asyncio.wait_for(proc.wait(), START_TIMEOUT)
    finally:
        if proc is not None and proc.returncode is None:  # it did not exit: it must not stay
            proc.kill()
            await proc.wait()
        await fake.stop()
    output = read(log)
    assert code == 2, output
    assert "Telegram rejected the bot token (Unauthorized)" in output
    assert "[telegram] token" in output and "Traceback" not in output
