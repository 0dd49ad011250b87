"""`python -m bot [--config PATH]`: run Touchwheel; `python -m bot demo`: play a workshop;
`python -m bot playbook train|eval`: fit or evaluate the channel classifier (dev only)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import ConfigError, load_config, resolve_path

EXIT_CONFIG = 2
# The database cannot be opened or a migration failed (README, "Running in production").
EXIT_DATABASE = 3


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


def backup(argv: list[str]) -> int:
    """`python -m bot backup PATH [--config C]`: copy the database while the bot runs."""
    from storage.backup import BackupError
    from storage.backup import backup as copy_database

    parser = argparse.ArgumentParser(prog="touchwheel backup", description=backup.__doc__)
    parser.add_argument("path", help="where to write the copy (replaced if it exists)")
    parser.add_argument("--config", help="path to config.toml (as for running the bot)")
    args = parser.parse_args(argv)
    path = resolve_path(args.config)
    try:
        config = load_config(path, need_token=False)
        report = copy_database(Path(config.storage.path), Path(args.path))
    except (ConfigError, BackupError) as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return EXIT_CONFIG if isinstance(exc, ConfigError) else 1
    print(
        f"touchwheel: backed up {config.storage.path} to {report.target} "
        f"({report.size:,} bytes, {report.workshops} workshops, integrity ok)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the config and run the bot until it is stopped."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["demo"]:
        from bot.demo.run import main as demo

        return demo(argv[1:])
    if argv[:1] == ["backup"]:
        return backup(argv[1:])
    if argv[:1] == ["playbook"]:
        from bot.training.cli import main as playbook

        return playbook(argv[1:])
    parser = argparse.ArgumentParser(prog="touchwheel", description=__doc__)
    parser.add_argument(
        "--config", help="path to config.toml (default: $TOUCHWHEEL_CONFIG or ./config.toml)"
    )
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text lines (default) or one JSON object per line for log collectors",
    )
    args = parser.parse_args(argv)
    path = resolve_path(args.config)
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(config.logging.level, args.log_format)
    from bot.app import TokenRejectedError, run
    from storage.db import DatabaseError

    try:
        asyncio.run(run(config))
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
    except KeyboardInterrupt:  # Ctrl+C before polling took over the signals
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
