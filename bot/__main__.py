"""`python -m bot [--config PATH]`: run Touchwheel."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.config import ConfigError, Mode, load_config, resolve_path

EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the config and run the bot until it is stopped."""
    parser = argparse.ArgumentParser(prog="touchwheel", description=__doc__)
    parser.add_argument(
        "--config", help="path to config.toml (default: $TOUCHWHEEL_CONFIG or ./config.toml)"
    )
    args = parser.parse_args(argv)
    path = resolve_path(args.config)
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"touchwheel: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if config.telegram.mode is Mode.WEBHOOK:
        print(
            f"touchwheel: {path}: [telegram.mode] webhook mode is not built yet; "
            'use mode = "polling"',
            file=sys.stderr,
        )
        return EXIT_CONFIG
    logging.basicConfig(
        level=config.logging.level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from bot.app import run

    asyncio.run(run(config))
    return 0


if __name__ == "__main__":
    sys.exit(main())
