"""Operating the real bot process: configured by the environment alone, `check`, stopping
by signal at any moment (start-up, mid-brainstorm) with exit 0 and the "stopped" line, and
/metrics on polling mode's own port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientSession

from tests.conftest import ROOT, START_TIMEOUT, RunBot
from tests.e2e.steps import sample, scrape, scrape_until
from tests.fakeapi import BOT_TOKEN, FakeTelegram
from tests.fakeapi.wire import BOT_USERNAME


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(**extra: str) -> dict[str, str]:
    """The test's environment without any Touchwheel or token variable, plus `extra`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("TOUCHWHEEL_") and name != "BOT_TOKEN"
    }
    return {**env, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", **extra}


async def spawn(cwd: Path, env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    with (cwd / "bot.log").open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            cwd=cwd,
            stdout=out,
            stderr=out,
            env=env,
            start_new_session=True,
        )


def read(cwd: Path) -> str:
    log = cwd / "bot.log"
    return log.read_text(errors="replace") if log.exists() else ""


async def wait_for_text(cwd: Path, text: str) -> None:
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while text not in read(cwd):
        assert asyncio.get_running_loop().time() < deadline, f"no {text!r} in:\n{read(cwd)}"
        await asyncio.sleep(0.1)


async def stop(proc: asyncio.subprocess.Process, sig: int = signal.SIGTERM) -> int:
    if proc.returncode is None:
        proc.send_signal(sig)
    try:
        return await asyncio.wait_for(proc.wait(), 30)
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGKILL)


def stopped_cleanly(cwd: Path, code: int) -> None:
    log = read(cwd)
    assert code == 0, log
    assert "Traceback" not in log, log
    assert log.rstrip().endswith("stopped"), log


async def test_bot_token_alone_is_enough_without_a_config_file(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    # BOT_TOKEN, and the address of the fake (which stands in for api.telegram.org).
    env = clean_environment(
        BOT_TOKEN=BOT_TOKEN, TOUCHWHEEL_TELEGRAM__API_SERVER=f"http://127.0.0.1:{tg.port}"
    )
    assert not (tmp_path / "config.toml").exists()
    proc = await spawn(tmp_path, env)
    try:
        await tg.wait_for(lambda: tg.polls > 0, START_TIMEOUT, "the bot to poll")
        assert tg.called("getMe")
        alice = tg.user("Alice")
        await tg.send(alice, tg.private(alice), "/start")
        await tg.wait_message(tg.private(alice), "customer-touchpoint workshops")
    finally:
        code = await stop(proc)
    stopped_cleanly(tmp_path, code)
    assert (tmp_path / "data" / "touchwheel.sqlite3").is_file()  # the default storage.path


async def run_check(cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "check",
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), START_TIMEOUT)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_check_reaches_get_me_and_says_what_it_would_run(
    tg: FakeTelegram, tmp_path: Path
) -> None:
    api = f"http://127.0.0.1:{tg.port}"
    env = clean_environment(BOT_TOKEN=BOT_TOKEN, TOUCHWHEEL_TELEGRAM__API_SERVER=api)
    code, out = await run_check(tmp_path, env)
    assert code == 0, out
    assert out == (
        f"touchwheel: ok: @{BOT_USERNAME} (Touchwheel); storage data/touchwheel.sqlite3 "
        "(will be created); mode polling\n"
    )
    assert tg.called("getMe") and not tg.called("setMyCommands")
    assert not (tmp_path / "data").exists()  # nothing created, nothing migrated

    rejected = {**env, "BOT_TOKEN": "123456:REVOKED"}
    code, out = await run_check(tmp_path, rejected)
    assert (code, out) == (2, "touchwheel: Telegram rejected the bot token (Unauthorized)\n")

    unreachable = {**env, "TOUCHWHEEL_TELEGRAM__API_SERVER": f"http://127.0.0.1:{free_port()}"}
    code, out = await run_check(tmp_path, unreachable)
    assert code == 2 and len(out.splitlines()) == 1, out
    assert out.startswith("touchwheel: cannot reach Telegram:"), out

    code, out = await run_check(tmp_path, {**env, "TOUCHWHEEL_WORKSHOP__MIN_RATERS": "0"})
    assert code == 2 and out.startswith(
        "touchwheel: environment TOUCHWHEEL_WORKSHOP__MIN_RATERS: [workshop.min_raters]"
    ), out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_stop_signal_during_start_up_exits_0(tmp_path: Path, sig: int) -> None:
    # Nobody answers at the API's address: the bot is stuck retrying getMe, in start-up.
    env = clean_environment(
        BOT_TOKEN=BOT_TOKEN,
        TOUCHWHEEL_TELEGRAM__API_SERVER=f"http://127.0.0.1:{free_port()}",
    )
    proc = await spawn(tmp_path, env)
    await wait_for_text(tmp_path, "Telegram is unreachable at start-up")
    code = await stop(proc, sig)
    stopped_cleanly(tmp_path, code)
    assert f"{signal.Signals(sig).name} received; stopping" in read(tmp_path)


async def test_sigterm_mid_brainstorm_finishes_what_is_in_flight(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    bot = await run_bot()
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Team", members=[alice, bob], admins=[alice])
    await tg.send(alice, group, "/brainstorm 10m")
    await tg.wait_message(group, "Touchpoint brainstorm")
    acked = await tg.send(bob, group, "/idea Website chat")
    await tg.wait_for(lambda: acked.reactions, what="the first idea's reaction")

    # Ideas sent just before the signal: each is handled before the bot stops, or left
    # with Telegram for the next start; none is lost.
    late = [await tg.send(bob, group, f"/idea Late idea {n}") for n in range(1, 4)]
    code = await bot.stop(signal.SIGTERM)
    assert code == 0, bot.log()
    assert "Traceback" not in bot.log()
    assert bot.log().rstrip().endswith("stopped"), bot.log()

    await bot.start()
    await tg.wait_for(lambda: all(m.reactions for m in late), what="every late idea's reaction")
    await tg.send(alice, group, "/finish")
    final = await tg.wait_message(group, "Time is up!")
    for text in ("Website chat", "Late idea 1", "Late idea 2", "Late idea 3"):
        assert final.text.count(text) == 1, final.text


async def test_metrics_on_the_polling_port(tg: FakeTelegram, run_bot: RunBot) -> None:
    port = free_port()
    await run_bot(sections={"metrics": {"port": port}})
    url = f"http://127.0.0.1:{port}/metrics"
    before = await scrape(url)
    assert sample(before, "touchwheel_workshops_running", phase="brainstorm") == 0
    alice = tg.user("Alice")
    group = tg.group("Team", members=[alice], admins=[alice])
    await tg.send(alice, group, "/brainstorm 10m")
    await tg.wait_message(group, "Touchpoint brainstorm")
    kind = {"kind": "message", "handled": "true"}
    after = await scrape_until(
        url, lambda text: sample(text, "touchwheel_updates_total", **kind) > 0
    )
    assert sample(before, "touchwheel_updates_total", **kind) == 0
    assert sample(after, "touchwheel_workshops_running", phase="brainstorm") == 1
    sent = {"method": "sendMessage", "result": "ok"}
    assert sample(after, "touchwheel_telegram_calls_total", **sent) >= 1
    assert sample(after, "touchwheel_update_seconds_count", kind="message") >= 1
    for lane in ("reply", "post", "edit"):
        assert f'touchwheel_outbound_queue_depth{{lane="{lane}"}}' in after
    assert "touchwheel_rounds_open 0.0" in after
    async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as health:
        assert health.status == 200
