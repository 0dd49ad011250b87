"""The outbound rate limiter: waits out 429s and never exceeds a group's allowance."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.outbound import RateLimiter
from tests.harness import RecordingSession


class FlakySession(RecordingSession):
    """Answers 429 (retry after 1 s) to the first `failures` messages."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.stamps: list[float] = []

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        if isinstance(method, SendMessage):
            self.stamps.append(time.monotonic())
            if self.failures:
                self.failures -= 1
                raise TelegramRetryAfter(method=method, message="Too Many Requests", retry_after=1)
        return await super().make_request(bot, method, timeout)


def make_bot(session: RecordingSession, **limits: Any) -> Bot:
    session.middleware(RateLimiter(**limits))
    return Bot(token="42:TEST", session=session)


async def test_a_429_is_waited_out_and_the_message_still_arrives() -> None:
    session = FlakySession(failures=1)
    bot = make_bot(session)
    sent = await bot.send_message(-100, "hello")
    assert sent.text == "hello"
    assert len(session.stamps) == 2
    assert session.stamps[1] - session.stamps[0] >= 0.9


async def test_group_sends_stay_within_the_allowance_in_every_window() -> None:
    # The same limiter scaled down: 20 messages per 1-second window instead of per minute.
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=1.0, overall_per_second=1000)
    for n in range(45):
        await bot.send_message(-100, f"m{n}")
    stamps = session.stamps
    assert len(stamps) == 45
    worst = max(sum(1 for t in stamps if start <= t < start + 1.0) for start in stamps)
    assert worst <= 20


async def test_acknowledgements_never_wait_behind_messages() -> None:
    # An overall allowance of 2 a second: the third message waits, answers do not.
    session = FlakySession(failures=0)
    bot = make_bot(session, overall_per_second=2)
    for n in range(3):
        await bot.send_message(-100 - n, "m")
    started = time.monotonic()
    for _ in range(20):
        await bot.answer_callback_query("q")
        await bot.set_message_reaction(-100, 1)
        await bot.get_chat_administrators(-100)
    assert time.monotonic() - started < 0.4  # 60 requests, none of them queued
    before = time.monotonic()
    await bot.send_message(-200, "one more")
    assert time.monotonic() - before >= 0.2  # messages still wait their turn


async def test_edits_count_against_the_group_allowance() -> None:
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=1.0, overall_per_second=1000)
    for n in range(15):
        await bot.edit_message_text(f"e{n}", chat_id=-100, message_id=1)
        await bot.send_message(-100, f"m{n}")
    assert len(session.stamps) == 15
    # The bucket holds 10 and refills one every 0.1 s: 15 sends alone would be done in about
    # 0.5 s, 30 sends and edits only after about 2 s.
    assert session.stamps[-1] - session.stamps[0] >= 1.5


async def test_a_waiting_message_goes_before_a_waiting_edit() -> None:
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=1.0, overall_per_second=1000)
    for n in range(10):  # the group's bucket is full
        await bot.send_message(-100, f"m{n}")
    edit = asyncio.create_task(bot.edit_message_text("board", chat_id=-100, message_id=1))
    await asyncio.sleep(0)
    await bot.send_message(-100, "results")
    await edit
    kinds = [type(m).__name__ for m in session.requests]
    assert kinds[-2:] == ["SendMessage", "EditMessageText"]


async def test_response_models_are_kept_between_garbage_collections() -> None:
    import gc

    from pydantic._internal import _generics

    session = FlakySession(failures=0)
    bot = make_bot(session)
    await bot.send_message(-100, "one")
    gc.collect()
    created = []
    real = _generics.create_generic_submodel

    def spy(*args: Any, **kwargs: Any) -> Any:
        created.append(args[0])
        return real(*args, **kwargs)

    _generics.create_generic_submodel = spy
    try:
        for n in range(3):
            await bot.send_message(-100, f"again {n}")
            gc.collect()
            Response[SendMessage.__returning__]  # type: ignore[valid-type]  # as aiogram asks
    finally:
        _generics.create_generic_submodel = real
    assert created == []
