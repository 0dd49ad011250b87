"""Steps the end-to-end tests share: a brainstorm to review, the wizard, a tap, a wait
for something that must not happen, and reading /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import START_TIMEOUT
from tests.fakeapi import FakeChat, FakeTelegram, FakeUser, Sent


async def brainstorm_to_review(
    tg: FakeTelegram,
    group: FakeChat,
    facilitator: FakeUser,
    ideas: list[tuple[FakeUser, str]],
    topic: str = "",
) -> Sent:
    """Start a brainstorm, add ideas (each acknowledged), ring the bell; the final list."""
    await tg.send(facilitator, group, f"/brainstorm 5m {topic}".strip())
    await tg.wait_message(group, "Touchpoint brainstorm")
    sent = [await tg.send(user, group, f"/idea {text}") for user, text in ideas]
    await tg.wait_for(lambda: all(m.reactions for m in sent), what="the ideas")
    await tg.send(facilitator, group, "/finish")
    return await tg.wait_message(group, "Time is up!")


async def tap(tg: FakeTelegram, user: FakeUser, wizard: Sent, label: str) -> dict[str, object]:
    """Press a wizard button and wait until the wizard has moved on."""
    edits = wizard.edits
    answer = await tg.press(user, wizard, label)
    await tg.wait_for(lambda: wizard.edits > edits, what=f"the wizard after {label!r}")
    return answer


async def open_wizard(
    tg: FakeTelegram, user: FakeUser, token: str, first_line: str = "Touchpoint"
) -> Sent:
    """Follow a round's link; the wizard's message (its first step says `first_line`)."""
    chat = tg.private(user)
    after = max((m.message_id for m in tg.messages[chat.id]), default=0)
    await tg.start_bot(user, f"r_{token}")
    return await tg.wait_message(chat, first_line, after=after)


async def rate_round(
    tg: FakeTelegram, group: FakeChat, alice: FakeUser, bob: FakeUser, n: int, taps: list[str]
) -> Sent:
    """Alice opens round n, Bob rates it, Alice closes it; the ranking-and-plan message."""
    after = max(m.message_id for m in tg.messages[group.id])
    await tg.send(alice, group, "/rate")
    announcement = await tg.wait_message(group, f"Rating round {n}", after=after)
    token = announcement.button("Rate privately")["url"].split("start=r_", 1)[1]
    wizard = await open_wizard(tg, bob, token)
    for label in taps:
        await tap(tg, bob, wizard, label)
    assert "Your answers" in wizard.text
    await tg.send(alice, group, "/finish")
    return await tg.wait_message(group, "Ranking", after=after)


async def never(
    tg: FakeTelegram, happened: Callable[[], object], seconds: float, what: str
) -> None:
    """Fail if `happened()` comes true within `seconds`: for a mistake the bot might make
    after its last visible act, when nothing it does later marks the moment it would have
    (prefer such a later act, a sync point, where there is one)."""
    try:
        found = await tg.wait_for(happened, seconds, what)
    except AssertionError:
        return
    raise AssertionError(f"{what}: {found!r}")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of a Prometheus text exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


async def scrape(url: str) -> str:
    async with ClientSession() as http, http.get(url) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        return await response.text()


async def scrape_until(url: str, done: Callable[[str], bool]) -> str:
    """Scrape until `done` holds for the exposition (the handler counts as it returns,
    after its answer went out)."""
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while not done(text := await scrape(url)):
        assert asyncio.get_running_loop().time() < deadline, text
        await asyncio.sleep(0.1)
    return text
