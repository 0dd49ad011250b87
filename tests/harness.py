"""The in-process harness lives in `bot.demo.inprocess` (the demo plays a workshop on it);
the tests import it from here."""

from bot.demo.inprocess import (
    BOT_USER,
    Harness,
    Recorded,
    RecordingSession,
    UnknownMethodError,
    callback_update,
    group_chat,
    make_harness,
    make_user,
    message,
    message_update,
    private_chat,
)

__all__ = [
    "BOT_USER",
    "Harness",
    "Recorded",
    "RecordingSession",
    "UnknownMethodError",
    "callback_update",
    "group_chat",
    "make_harness",
    "make_user",
    "message",
    "message_update",
    "private_chat",
]
