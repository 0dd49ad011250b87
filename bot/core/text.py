"""Plain-text helpers shared by every message the bot composes."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

TELEGRAM_TEXT_LIMIT = 4096
_TAG = re.compile(r"<[^>]+>")
_TAG_PARTS = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>")


def plain(text: str) -> str:
    """Telegram HTML as the reader sees it: tags gone, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def _open_tags(line: str, stack: list[tuple[str, str]]) -> None:
    """Follow the tags of one line: an opening tag is pushed, a closing one pops its own."""
    for match in _TAG_PARTS.finditer(line):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            stack.append((name, match.group(0)))
            continue
        for at in range(len(stack) - 1, -1, -1):
            if stack[at][0] == name:
                del stack[at:]
                break


def _closing(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _tag in reversed(stack))


def _safe_cut(line: str, at: int) -> int:
    """A place at or before `at` that is not inside a tag or an entity, preferably a space."""
    for mark, end in (("<", ">"), ("&", ";")):
        opened = line.rfind(mark, 0, at)
        if opened != -1 and line.find(end, opened, at) == -1:
            at = opened
    space = line.rfind(" ", 0, at)
    return space + 1 if space > at // 2 else max(at, 1)


def chunk_lines(lines: Iterable[str], limit: int = TELEGRAM_TEXT_LIMIT - 96) -> list[str]:
    """Join lines into as few messages as fit `limit` characters each, split between lines.

    Telegram HTML stays valid in every message: a tag open where a message ends (a `<pre>`
    table, a `<b>`) is closed there and opened again at the start of the next. A line
    longer than a message is split at a space, never inside a tag or an entity."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    stack: list[tuple[str, str]] = []  # tags open after the lines taken so far
    reopen = ""  # what the current message starts with: the tags open before it
    pending = [piece for line in lines for piece in line.split("\n")][::-1]
    while pending:
        line = pending.pop()
        closing = len(_closing(stack)) + 16  # room to close whatever a line may leave open
        room = limit - len(reopen) - closing
        extra = len(line) + (1 if current else 0)
        if current and size + extra > room:
            chunks.append(reopen + "\n".join(current) + _closing(stack))
            reopen = "".join(tag for _name, tag in stack)
            current, size = [], 0
            pending.append(line)
            continue
        if len(line) > room:
            cut = _safe_cut(line, max(1, room))
            pending.append(line[cut:])
            line = line[:cut]
            extra = len(line) + (1 if current else 0)
        current.append(line)
        size += extra
        _open_tags(line, stack)
    if current:
        chunks.append(reopen + "\n".join(current) + _closing(stack))
    return chunks


def shorten(text: str, width: int) -> str:
    """Cut to `width` characters with an ellipsis."""
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"
