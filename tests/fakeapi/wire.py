"""Telegram's shapes as the fake keeps them: users, chats, messages, errors, HTML checks."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

BOT_ID = 7_000_000_001
BOT_USERNAME = "touchwheel_test_bot"
BOT_TOKEN = f"{BOT_ID}:TEST-token-for-the-fake-api"
GROUP_LIMIT_PER_MINUTE = 20
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_BAD_ENTITY = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "reaction",
    "commands",
    "scope",
    "allowed_updates",
    "entities",
    "caption_entities",
    "link_preview_options",
    "media",
}


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


class _HtmlChecker(HTMLParser):
    """Telegram's HTML subset: known tags only, properly nested, entities escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(unescape(f"&#{name};"))


def plain_text(text: str, parse_mode: str | None) -> str:
    """What the user sees: the text with HTML parsed (raising Telegram's 400 on errors)."""
    if parse_mode != "HTML":
        return text
    match = _BAD_ENTITY.search(text)
    if match:
        raise ApiError(
            400,
            "Bad Request: can't parse entities: Can't find end of the entity starting at "
            f"byte offset {len(text[: match.start()].encode())}",
        )
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(
            400,
            f"Bad Request: can't parse entities: Can't find end tag for \"{checker.stack[-1]}\"",
        )
    return "".join(checker.text)


@dataclass
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    started: bool = False
    blocked: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass
class FakeChat:
    id: int
    type: str
    title: str | None = None
    user: FakeUser | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_can_pin: bool = True
    topics: set[int] = field(default_factory=set)  # forum topics (message_thread_id values)

    def as_dict(self) -> dict[str, Any]:
        if self.type == "private":
            assert self.user is not None
            return {"id": self.id, "type": "private", "first_name": self.user.first_name}
        found: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.topics:
            found["is_forum"] = True
        return found


@dataclass
class Sent:
    """A message in a chat, as Telegram stores it; `text` is what the reader sees."""

    chat_id: int
    message_id: int
    from_bot: bool
    text: str
    raw: dict[str, Any]
    markup: dict[str, Any] | None = None
    html: str | None = None
    file: bytes | None = None
    file_name: str | None = None
    kind: str = "text"
    pinned: bool = False
    reactions: list[str] = field(default_factory=list)
    edits: int = 0
    sent_at: float = field(default_factory=time.monotonic)
    thread: int | None = None  # the forum topic it was posted in

    def buttons(self) -> list[dict[str, Any]]:
        if not self.markup:
            return []
        return [button for row in self.markup.get("inline_keyboard", []) for button in row]

    def button(self, label: str) -> dict[str, Any]:
        """The inline button labelled exactly `label`, else the first whose text contains it."""
        for button in self.buttons():
            if button["text"] == label:
                return button
        for button in self.buttons():
            if label in button["text"]:
                return button
        labels = [b["text"] for b in self.buttons()]
        raise AssertionError(f"no button {label!r} on message {self.message_id}: {labels}")
