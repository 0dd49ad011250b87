"""Who steers: the chat's admins, remembered for a few minutes, and what happens when Telegram
cannot be asked (issue 27)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetChatAdministrators
from aiogram.types import ChatMemberOwner, User

from bot.services.steering import Steering

TTL = 300.0
ALICE, BOB = 1, 2


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Admins:
    """getChatAdministrators: the current admins, or an error while Telegram is away."""

    def __init__(self) -> None:
        self.admins = {ALICE}
        self.down = False
        self.calls = 0

    async def get_chat_administrators(self, chat_id: int) -> list[Any]:
        self.calls += 1
        if self.down:
            raise TelegramNetworkError(GetChatAdministrators(chat_id=chat_id), "timeout")
        return [
            ChatMemberOwner(user=User(id=uid, is_bot=False, first_name="U"), is_anonymous=False)
            for uid in sorted(self.admins)
        ]


# Each row: the steps after Alice was read as the admin at t=0 (the TTL is 300 s): at
# `later` seconds, Telegram `down` or not, Bob has become the admin; who counts as admin.
@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # Within the TTL: the remembered list, Telegram not asked.
        ([(100, False)], {ALICE}),
        # Past it: asked again.
        ([(400, False)], {BOB}),
        # Telegram fails once: the last list stands for a while, and the next call asks
        # again and gets the new one.
        ([(400, True), (401, False)], {BOB}),
        # Telegram keeps failing: the old list does not stand forever.
        ([(400, True), (700, True)], set()),
        ([(400, True), (5000, True)], set()),
        # …and once Telegram answers again, the new list.
        ([(400, True), (5000, True), (5001, False)], {BOB}),
    ],
)
async def test_a_failed_admin_lookup_does_not_keep_the_old_list_forever(
    steps: list[tuple[float, bool]], expected: set[int]
) -> None:
    api, clock = Admins(), Clock()
    steering = Steering(cast(Bot, api), TTL, clock=clock)
    start = clock.now
    assert await steering.admins(-100) == {ALICE}
    api.admins = {BOB}
    found: frozenset[int] = frozenset()
    for later, down in steps:
        clock.now = start + later
        api.down = down
        found = await steering.admins(-100)
    assert found == expected


async def test_a_failure_shortly_after_expiry_keeps_the_last_list() -> None:
    api, clock = Admins(), Clock()
    steering = Steering(cast(Bot, api), TTL, clock=clock)
    assert await steering.admins(-100) == {ALICE}
    clock.now += TTL + 1
    api.down = True
    assert await steering.admins(-100) == {ALICE}
    calls = api.calls
    await steering.admins(-100)
    assert api.calls == calls + 1  # asked again on the next call


async def test_the_admin_cache_remembers_a_bounded_number_of_chats() -> None:
    api, clock = Admins(), Clock()
    steering = Steering(cast(Bot, api), TTL, size=3, clock=clock)
    for chat_id in range(-1, -11, -1):
        await steering.admins(chat_id)
    assert len(steering._admins) == 3
    calls = api.calls
    await steering.admins(-10)  # the newest are kept
    assert api.calls == calls
