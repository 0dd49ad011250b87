"""`python -m bot [--config PATH]`: run Touchwheel; `python -m bot demo`: play a workshop;
`python -m bot check`: the config and the token, without running; `python -m bot backup PATH`;
`python -m bot playbook train|eval`: fit or evaluate the channel classifier (dev only, not
listed in --help)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from importlib.metadata import version
from pathlib import Path
from types import FrameType

from bot.config import Config, ConfigError, load_config, resolve_path

EXIT_CONFIG = 2
# The database cannot be opened or a migration failed (README, "Running in production").
EXIT_DATABASE = 3
COMMANDS = """commands:
  (none)       run the bot: long polling, or a webhook server (telegram.mode)
  check        validate the config, reach Telegram (getMe) and print the bot's name,
               the storage path and the mode; exit 0, or one line and exit 2
  demo         play a whole workshop in-process and write its pictures (no token needed)
  backup PATH  copy the database while the bot runs (no token needed)

`touchwheel COMMAND --help` shows a command's options. Every config key can also be set in
the environment as TOUCHWHEEL_<SECTION>__<KEY> (TOUCHWHEEL_WORKSHOP__MIN_RATERS=2), which
wins over the file; BOT_TOKEN alone is enough to run with the defaults."""


def setup_logging(level: str, log_format: str) -> None:
    """One line per record; JSON carries the `extra` fields (update kind, latency…) as keys."""
    handler = logging.StreamHandler()
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", timestamp=False)
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Our own line per update replaces aiogram's; the scheduler's per-job lines are noise.
    for noisy in ("aiogram.event", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def configured(option: str | None, need_token: bool = True) -> tuple[Path, Config] | None:
    """The config file named by `--config` (or the default) and what it says; None after
    printing the one line that says what is wrong."""
    path = resolve_path(option)
    try:
        return path, load_config(path, need_token=need_token)
    except ConfigError as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return None


def backup(argv: list[str]) -> int:
    """`python -m bot backup PATH [--config C]`: copy the database while the bot runs."""
    from storage.backup import BackupError
    from storage.backup import backup as copy_database

    parser = argparse.ArgumentParser(prog="touchwheel backup", description=backup.__doc__)
    parser.add_argument("path", help="where to write the copy (replaced if it exists)")
    parser.add_argument("--config", help="path to config.toml (as for running the bot)")
    args = parser.parse_args(argv)
    found = configured(args.config, need_token=False)
    if found is None:
        return EXIT_CONFIG
    _path, config = found
    try:
        report = copy_database(Path(config.storage.path), Path(args.path))
    except BackupError as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return 1
    print(
        f"touchwheel: backed up {config.storage.path} to {report.target} "
        f"({report.size:,} bytes, {report.workshops} workshops, integrity ok)"
    )
    return 0


def check(argv: list[str]) -> int:
    """`python -m bot check [--config C]`: validate the config and reach Telegram."""
    parser = argparse.ArgumentParser(prog="touchwheel check", description=check.__doc__)
    parser.add_argument("--config", help="path to config.toml (as for running the bot)")
    args = parser.parse_args(argv)
    found = configured(args.config)
    if found is None:
        return EXIT_CONFIG
    _path, config = found
    from bot.app import TelegramUnreachableError, TokenRejectedError, who_am_i

    try:
        me = asyncio.run(who_am_i(config))
    except TokenRejectedError as exc:
        print(f"touchwheel: Telegram rejected the bot token ({exc})", file=sys.stderr)
        return EXIT_CONFIG
    except TelegramUnreachableError as exc:
        print(f"touchwheel: cannot reach Telegram: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    storage = config.storage.path
    state = "exists" if storage.exists() else "will be created"
    print(
        f"touchwheel: ok: @{me.username} ({me.full_name}); storage {storage} ({state}); "
        f"mode {config.telegram.mode.value}"
    )
    return 0


class EarlyStop:
    """SIGINT/SIGTERM before the event loop takes them over (while the bot imports and
    starts): noted, so that the bot stops as soon as it can, with its "stopped" line and
    exit 0, instead of dying with a traceback or 143."""

    def __init__(self) -> None:
        self.signal: int | None = None
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._note)

    def _note(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum

    def noted(self) -> int | None:
        """The signal that came before the event loop took over, if one did."""
        return self.signal


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the config and run the bot until it is stopped."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo"]:
        from bot.demo.run import main as demo

        return demo(argv[1:])
    if argv[:1] == ["backup"]:
        return backup(argv[1:])
    if argv[:1] == ["check"]:
        return check(argv[1:])
    if argv[:1] == ["playbook"]:
        from bot.training.cli import main as playbook

        return playbook(argv[1:])
    parser = argparse.ArgumentParser(
        prog="touchwheel",
        usage="touchwheel [-h] [--version] [--config PATH] [--log-format {text,json}]\n"
        "       touchwheel {check,demo,backup} [--help] ...",
        description="Touchwheel: a customer-touchpoint workshop in a Telegram group chat.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"touchwheel {version('touchwheel')}"
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="path to config.toml (default: $TOUCHWHEEL_CONFIG or ./config.toml)",
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text lines (default) or one JSON object per line for log collectors",
    )
    args = parser.parse_args(argv)
    early = EarlyStop()
    found = configured(args.config)
    if found is None:
        return EXIT_CONFIG
    path, config = found
    setup_logging(config.logging.level, args.log_format)
    from bot.app import TokenRejectedError, run
    from storage.db import DatabaseError

    try:
        asyncio.run(run(config, stopping=early.noted))
    except DatabaseError as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return EXIT_DATABASE
    except TokenRejectedError as exc:
        print(
            f"touchwheel: Telegram rejected the bot token ({exc}); check [telegram] token in "
            f"{path} or BOT_TOKEN",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return 0


if __name__ == "__main__":
    sys.exit(main())
