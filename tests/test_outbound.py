"""The outbound rate limiter: waits out 429s and never exceeds a group's allowance."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import EditMessageText, Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.outbound import EditSupersededError, Lane, RateLimiter, lane
from bot.services.telegram import edit_text
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
    for n in range(2):
        await bot.send_message(-200 - n, "one more")
    assert time.monotonic() - before >= 0.2  # messages still wait their turn


def in_any_window(stamps: list[float], window: float) -> int:
    return max(
        (sum(1 for t in stamps if start <= t < start + window) for start in stamps), default=0
    )


async def test_a_group_gets_its_full_twenty_at_once() -> None:
    # A sliding window, not a bucket refilling at half speed: 20 go out without waiting,
    # the 21st waits for the window (here scaled down to 2 s) to move on.
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=2.0, overall_per_second=1000)
    for n in range(21):
        await bot.send_message(-100, f"m{n}")
    stamps = session.stamps
    assert stamps[19] - stamps[0] < stamps[20] - stamps[19]
    assert stamps[20] - stamps[0] >= 2.0


async def test_edits_count_but_leave_room_for_messages() -> None:
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=1.0, overall_per_second=1000)
    edits: list[float] = []

    async def edit(n: int) -> None:
        await bot.edit_message_text(f"e{n}", chat_id=-100, message_id=1000 + n)
        edits.append(time.monotonic())

    for n in range(15):
        await edit(n)
    # The edits used 15 places: the 16th edit waits, a message does not.
    waiting = asyncio.create_task(edit(15))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    for n in range(5):
        await bot.send_message(-100, f"m{n}")
    assert not waiting.done()
    await waiting
    everything = sorted(session.stamps + edits)
    assert in_any_window(everything, 1.0) <= 20
    assert max(session.stamps) < edits[-1]


async def test_a_waiting_message_goes_before_a_waiting_edit() -> None:
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=1.0, overall_per_second=1000)
    for n in range(20):  # the group's minute is full
        await bot.send_message(-100, f"m{n}")
    edit = asyncio.create_task(bot.edit_message_text("board", chat_id=-100, message_id=1))
    await asyncio.sleep(0)
    await bot.send_message(-100, "results")
    await edit
    kinds = [type(m).__name__ for m in session.requests]
    assert kinds[-2:] == ["SendMessage", "EditMessageText"]


async def test_a_reply_to_a_person_goes_before_the_bots_own_posts() -> None:
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=1.0, overall_per_second=1000)
    for n in range(20):
        await bot.send_message(-100, f"m{n}")
    posts = [asyncio.create_task(bot.send_message(-100, f"post {n}")) for n in range(3)]
    await asyncio.sleep(0)
    with lane(Lane.REPLY):
        reply = asyncio.create_task(bot.send_message(-100, "your list"))
    await asyncio.gather(*posts, reply)
    texts = [m.text for m in session.requests if isinstance(m, SendMessage)]
    assert texts[20:] == ["your list", "post 0", "post 1", "post 2"]


async def until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    """Poll until `condition` holds (a generous deadline: a busy machine)."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


async def test_a_burst_of_private_edits_does_not_hold_back_a_groups_results() -> None:
    # 30 a second overall (here 3): the raters' wizard edits queue, the group's post goes
    # first. The limiter's clock stands still until all ten have asked, so a slow machine
    # cannot free a place in between (in CI a stall of over a second between the first and
    # the last request once let the window roll over: the post was then sixth, rightly).
    now = [0.0]
    session = FlakySession(failures=0)
    limiter = RateLimiter(overall_per_second=3, private_per_second=1000, clock=lambda: now[0])
    session.middleware(limiter)
    bot = Bot(token="42:TEST", session=session)
    edits = [bot.edit_message_text(f"step {n}", chat_id=1000 + n, message_id=1) for n in range(9)]
    burst = asyncio.gather(*edits, bot.send_message(-100, "the wheel"))
    await until(lambda: sum(limiter.waiting().values()) == 7)
    assert len(session.requests) == 3  # the second's three places went to the first edits
    now[0] = 1.0  # the second is over: three places free again
    await until(lambda: len(session.requests) == 6)
    burst.cancel()  # the clock stands still again: the last edits would wait for ever
    await asyncio.gather(burst, return_exceptions=True)
    order = [type(m).__name__ for m in session.requests]
    assert order[3] == "SendMessage", order  # next after the three edits that had places


async def test_a_newer_edit_replaces_a_waiting_one() -> None:
    session = FlakySession(failures=0)
    bot = make_bot(session, group_window=60.0, overall_per_second=1000)
    for n in range(20):  # the group's minute is full: every edit now waits
        await bot.send_message(-100, f"m{n}")
    first = asyncio.create_task(edit_text(bot, -100, 7, "3 of 4 done"))
    await asyncio.sleep(0)
    second = asyncio.create_task(edit_text(bot, -100, 7, "4 of 4 done"))
    assert await first is True  # as good as sent: the message will show the newer text
    assert not second.done()
    # Called directly, the replaced edit raises "not modified", which callers expect.
    late = asyncio.create_task(bot.edit_message_text("a", chat_id=-100, message_id=8))
    await asyncio.sleep(0)
    newer = asyncio.create_task(bot.edit_message_text("b", chat_id=-100, message_id=8))
    with pytest.raises(EditSupersededError, match="not modified"):
        await late
    for waiting in (second, newer):
        waiting.cancel()
    await asyncio.gather(second, newer, return_exceptions=True)
    assert not [m for m in session.requests if isinstance(m, EditMessageText)]


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
