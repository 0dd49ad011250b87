"""Webhook mode with the real bot: the fake posts updates to it with the secret token,
posts without the token are refused, /healthz answers, /metrics counts the updates, and
stopping keeps the webhook."""

from __future__ import annotations

import socket

from aiohttp import ClientSession

from tests.conftest import RunBot
from tests.e2e.steps import sample, scrape, scrape_until
from tests.fakeapi import FakeTelegram


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_end_to_end(tg: FakeTelegram, run_bot: RunBot) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    bot = await run_bot(
        mode="webhook",
        sections={
            "webhook": {
                "url": f"{base}/tg/hook",
                "host": "127.0.0.1",
                "port": port,
                "path": "/tg/hook",
                "secret_token": "s3cret-Token_1",
            }
        },
    )
    assert tg.webhook == (f"{base}/tg/hook", "s3cret-Token_1")
    assert tg.polls == 0  # no getUpdates in webhook mode
    before = await scrape(f"{base}/metrics")

    # Updates arrive by post: a whole brainstorm step, with the answer in the group.
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Team", members=[alice, bob], admins=[alice])
    await tg.send(alice, group, "/brainstorm 10m Hooks")
    board = await tg.wait_message(group, "Touchpoint brainstorm")
    idea = await tg.send(bob, group, "/idea Website chat")
    await tg.wait_for(lambda: idea.reactions, what="the idea's reaction")
    await tg.wait_for(lambda: "Website chat" in board.text, what="the board")
    private = await tg.start_bot(bob)
    await tg.wait_message(tg.private(bob), "Hello", after=private.message_id)
    assert tg.deliveries and all(status == 200 for status in tg.deliveries)

    async with ClientSession() as http:
        update = {"update_id": 999, "message": idea.raw}
        async with http.post(f"{base}/tg/hook", json=update) as refused:
            assert refused.status == 401  # no secret token
        headers = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        async with http.post(f"{base}/tg/hook", json=update, headers=headers) as refused:
            assert refused.status == 401
        async with http.get(f"{base}/healthz") as health:
            assert health.status == 200 and (await health.json())["ok"] is True

    # The update counters moved: two commands and a /start, each handled, and timed.
    messages = {"kind": "message", "handled": "true"}
    after = await scrape_until(
        f"{base}/metrics",
        lambda text: (
            sample(text, "touchwheel_updates_total", **messages)
            >= sample(before, "touchwheel_updates_total", **messages) + 3
        ),
    )
    assert sample(after, "touchwheel_update_seconds_count", kind="message") >= 3
    assert sample(after, "touchwheel_workshops_running", phase="brainstorm") == 1
    assert sample(after, "touchwheel_telegram_calls_total", method="setWebhook", result="ok")

    assert await bot.stop() == 0
    assert tg.webhook is not None  # nothing deleted on stop
    assert not any(method == "deleteWebhook" for method, _ in tg.calls)
