"""The real bot process against the fake Bot API: it starts, answers and stops cleanly."""

from __future__ import annotations

from tests.conftest import RunBot
from tests.fakeapi import FakeTelegram


async def test_bot_answers_start_in_group_and_private_in_two_languages(
    tg: FakeTelegram, run_bot: RunBot
) -> None:
    bot = await run_bot()
    alice = tg.user("Alice", lang="en")
    boris = tg.user("Boris", lang="ru")
    group = tg.group("Team", members=[alice, boris], admins=[alice])

    await tg.send(alice, group, "/start")
    await tg.wait_message(group, "Send /brainstorm to start a workshop")
    await tg.send(boris, group, "/start@touchwheel_test_bot")
    await tg.wait_message(group, "Отправьте /brainstorm")

    await tg.start_bot(alice)
    await tg.wait_message(tg.private(alice), "customer-touchpoint workshops")
    await tg.start_bot(boris)
    await tg.wait_message(tg.private(boris), "точкам контакта")

    scopes = {(c["scope"]["type"], c.get("language_code")) for c in tg.commands}
    assert ("all_group_chats", None) in scopes and ("all_group_chats", "ru") in scopes
    assert ("default", None) in scopes
    assert ("all_chat_administrators", "ru") in scopes

    def menu(scope: str, lang: str) -> dict[str, str]:
        found = next(
            c
            for c in tg.commands
            if c["scope"]["type"] == scope and c.get("language_code") == lang
        )
        return {c["command"]: c["description"] for c in found["commands"]}

    members, admins = menu("all_group_chats", "ru"), menu("all_chat_administrators", "ru")
    assert {"idea", "results", "plan"} <= set(members) and "brainstorm" not in members
    assert {"brainstorm", "rate", "finish"} <= set(admins) and set(members) <= set(admins)
    assert admins["brainstorm"].startswith("Начать")  # translated descriptions
    assert not tg.errors

    code = await bot.stop()
    assert code == 0
    assert "stopped" in bot.log()


async def test_a_429_is_waited_out_and_nothing_is_lost(tg: FakeTelegram, run_bot: RunBot) -> None:
    await run_bot()
    alice = tg.user("Alice")
    group = tg.group("Team", members=[alice], admins=[alice])
    tg.throttle[group.id] = 1  # Telegram says "slow down" to the bot's next message here
    await tg.send(alice, group, "/help")
    await tg.wait_message(group, "How a workshop goes")
    assert [e[1] for e in tg.errors] == [429]
    assert len(tg.find(group, "How a workshop goes")) == 1
