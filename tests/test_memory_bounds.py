"""In-memory maps of a long-running bot stay bounded however many chats and messages it sees:
the debounced updater's per-key state, the steering caches and the outbound limiters."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from aiogram import Bot

from bot.outbound import RateLimiter
from bot.services.steering import Steering
from bot.services.updater import MessageUpdater
from tests.harness import RecordingSession

KEYS = 2000


async def test_the_updater_forgets_keys_it_no_longer_needs() -> None:
    drawn: list[int] = []

    async def render(key: int) -> None:
        drawn.append(key)

    # No debounce interval: a key's refresh time matters for nothing once it is done.
    updater = MessageUpdater(0, render)
    for key in range(KEYS):
        await updater.flush(key)
        updater.touch(key)
    await updater.close()
    assert len(drawn) >= KEYS
    assert len(updater._last) <= 1 and not updater._locks and not updater._pending


async def test_the_updater_still_debounces_a_key_it_keeps() -> None:
    drawn: list[int] = []
    started = asyncio.Event()

    async def render(key: int) -> None:
        drawn.append(key)
        started.set()

    updater = MessageUpdater(3600, render)
    await updater.flush(1)
    for key in range(2, 50):
        await updater.flush(key)
    updater.touch(1)  # refreshed within the hour: waits, and is not drawn again now
    assert 1 in updater._pending and len(updater._last) == 49
    await updater.close()
    assert drawn.count(1) == 1 and not updater._locks


class FakeBot:
    def __init__(self) -> None:
        self.calls = 0

    async def get_chat_administrators(self, chat_id: int) -> list[Any]:
        self.calls += 1
        return []

    async def get_chat_member_count(self, chat_id: int) -> int:
        self.calls += 1
        return 5


async def test_the_steering_caches_keep_at_most_so_many_chats() -> None:
    bot = FakeBot()
    steering = Steering(cast(Bot, bot), size=100)
    for chat in range(KEYS):
        assert await steering.admins(-chat) == frozenset()
        assert await steering.member_count(-chat) == 4
    assert len(steering._admins) == len(steering._counts) == 100
    # The most recent chats are the ones kept: asking again costs no call.
    calls = bot.calls
    assert await steering.member_count(-(KEYS - 1)) == 4 and bot.calls == calls


async def test_the_limiter_remembers_a_bounded_number_of_chats() -> None:
    session = RecordingSession()
    limiter = RateLimiter(max_chats=3, group_window=1.0, overall_per_second=1000)
    session.middleware(limiter)
    bot = Bot(token="42:TEST", session=session)
    for n in range(5):
        await bot.send_message(1000 + n, "private")
        await bot.send_message(-100 - n, "group")
    await bot.send_message(1002, "an older chat again: now the most recent")
    await bot.send_message(1005, "a new chat")
    assert len(limiter._private) == len(limiter._groups) == 3
    assert set(limiter._private) == {1002, 1004, 1005}
