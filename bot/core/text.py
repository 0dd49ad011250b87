"""Plain-text helpers shared by every message the bot composes."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

TELEGRAM_TEXT_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """Telegram HTML as the reader sees it: tags gone, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def chunk_lines(lines: Iterable[str], limit: int = TELEGRAM_TEXT_LIMIT - 96) -> list[str]:
    """Join lines into as few messages as fit `limit` characters each (never mid-line)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        chunks.append("\n".join(current))
    return chunks


def shorten(text: str, width: int) -> str:
    """Cut to `width` characters with an ellipsis."""
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"
