"""The one naming scheme for every file the bot sends or exports.

touchwheel-round-2-wheel.png, touchwheel-round-2-history.png, touchwheel-round-2.xlsx,
touchwheel-round-2-report.md…: the product, the round the file is about (the latest one it
shows), what it holds; the same picture always has the same name, wherever it is sent.
"""

from __future__ import annotations

PREFIX = "touchwheel"


def file_name(round_number: int, part: str = "", ext: str = "png") -> str:
    """`touchwheel-round-{n}[-{part}].{ext}`."""
    stem = f"{PREFIX}-round-{round_number}"
    return f"{stem}-{part}.{ext}" if part else f"{stem}.{ext}"
