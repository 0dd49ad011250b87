"""/start and /help, driven through the dispatcher in-process."""

from __future__ import annotations

from tests.harness import Harness, group_chat, make_user, private_chat


async def test_private_start_explains_in_the_users_language(harness: Harness) -> None:
    alice = make_user("Alice", "en")
    boris = make_user("Boris", "ru")
    await harness.say(alice, private_chat(alice), "/start")
    await harness.say(boris, private_chat(boris), "/start")
    english = harness.session.sent(alice.id)
    russian = harness.session.sent(boris.id)
    assert len(english) == 1 and "customer-touchpoint workshops" in english[0].text
    assert len(russian) == 1 and "точкам контакта" in russian[0].text
    stored = await harness.ctx.store.users.get(boris.id)
    assert stored is not None and stored.started_bot
    # The bot introduces itself once, then explains how a workshop goes.
    assert english[0].text.count("customer-touchpoint workshop") == 1
    assert "Touchwheel</b> runs" not in english[0].text
    assert "How a workshop goes" in english[0].text


async def test_group_start_and_help(harness: Harness) -> None:
    alice = make_user("Alice", "en")
    chat = group_chat()
    await harness.say(alice, chat, "/start")
    await harness.say(alice, chat, "/help@touchwheel_bot")
    texts = [r.text for r in harness.session.sent(chat.id)]
    assert "Send /brainstorm to start a workshop" in texts[0]
    assert "/brainstorm [duration] [topic]" in texts[1]
    member = await harness.ctx.store.users.member_by_username(chat.id, "@ALICE")
    assert member is not None and member.id == alice.id


async def test_unknown_deep_link_gets_a_polite_answer(harness: Harness) -> None:
    alice = make_user("Alice", "en")
    await harness.say(alice, private_chat(alice), "/start r_nonsense")
    (reply,) = harness.session.sent(alice.id)
    assert "not valid or has expired" in reply.text
