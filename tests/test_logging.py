"""One log line per update, without message text; JSON on request."""

from __future__ import annotations

import io
import json
import logging

import pytest
from aiogram.types import Chat, User

from bot.__main__ import setup_logging
from tests.harness import Harness, group_chat, make_user


@pytest.fixture
def chat() -> Chat:
    return group_chat()


async def test_one_line_per_update_and_no_idea_text(
    harness: Harness, chat: Chat, caplog: pytest.LogCaptureFixture
) -> None:
    alice: User = make_user("Alice")
    harness.session.admins[chat.id] = {alice.id}
    caplog.set_level(logging.DEBUG)
    await harness.say(alice, chat, "/brainstorm 10m")
    await harness.say(alice, chat, "/idea Secret pricing page")
    lines = [r for r in caplog.records if r.name == "touchwheel.updates"]
    assert len(lines) == 2
    assert all(r.__dict__["update_kind"] == "message" for r in lines)
    assert all(r.__dict__["chat_kind"] == "supergroup" and r.__dict__["handled"] for r in lines)
    assert all(r.__dict__["latency_ms"] >= 0 for r in lines)
    assert not any(
        "Secret pricing" in r.getMessage() for r in caplog.records if r.levelno >= logging.INFO
    )


def test_json_lines_carry_the_fields() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        setup_logging("INFO", "json")
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        fields = {
            "update_kind": "callback_query",
            "chat_kind": "private",
            "handled": True,
            "latency_ms": 4.2,
        }
        logging.getLogger("touchwheel.updates").info("update", extra=fields)
        record = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert record["update_kind"] == "callback_query" and record["latency_ms"] == 4.2
        assert record["levelname"] == "INFO" and record["message"] == "update"
        assert logging.getLogger("aiogram.event").level == logging.WARNING
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
