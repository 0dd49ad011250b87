"""/settings with the real bot: a non-admin is refused, bad values change nothing, and a
group switched to Dutch and then Russian gets its board, rounds, results and plan in it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import RunBot
from tests.e2e.steps import open_wizard, tap
from tests.fakeapi import FakeChat, FakeTelegram, FakeUser

# What the group must not see once it speaks Dutch or Russian.
ENGLISH = ("Touchpoint brainstorm", "Time is up", "Rating round", "Ranking", "Action plan")


async def rate_round(
    tg: FakeTelegram, group: FakeChat, people: tuple[FakeUser, FakeUser], title: str, button: str
) -> None:
    """The round's announcement (in the group's language); the rater gives every answer a 6,
    then the facilitator closes the round."""
    facilitator, rater = people
    announcement = await tg.wait_message(group, title)
    token = announcement.button(button)["url"].split("start=r_", 1)[1]
    wizard = await open_wizard(tg, rater, token, "Contactmoment")  # Bob's own language
    for _step in range(3):
        await tap(tg, rater, wizard, "6")
    await tg.send(facilitator, group, "/finish")


async def test_settings_switch_a_group_to_dutch_then_russian(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    await run_bot(min_raters=1)
    alice, bob = tg.user("Alice"), tg.user("Bob", "nl")
    group = tg.group("Tandarts", members=[alice, bob], admins=[alice])
    await tg.start_bot(bob)

    await tg.send(bob, group, "/settings")
    await tg.wait_message(group, "Alleen chatbeheerders kunnen de instellingen wijzigen.")
    await tg.send(alice, group, "/settings")
    menu = await tg.wait_message(group, "Settings")
    edits = menu.edits
    await tg.press(alice, menu, "Language")
    await tg.wait_for(lambda: menu.edits > edits, what="the language choices")
    await tg.press(bob, menu, "Nederlands")  # not an admin: an alert, nothing else
    await tg.press(alice, menu, "Nederlands")
    await tg.wait_for(lambda: "Instellingen" in menu.text, what="the menu in Dutch")
    assert "Taal: Nederlands" in menu.text

    await tg.send(alice, group, "/settings zone Mars/Base")
    await tg.wait_message(group, "Die tijdzone ken ik niet")
    await tg.send(alice, group, "/settings weight speed -1")
    await tg.wait_message(group, "Een gewicht is een getal van 0 tot 5")
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        locale, zone, raw = conn.execute(
            "SELECT locale, timezone, settings FROM chats WHERE id = ?", (group.id,)
        ).fetchone()
    assert (locale, zone, json.loads(raw)) == ("nl", None, {})

    # A Dutch workshop, though Alice's Telegram speaks English.
    await tg.send(alice, group, "/brainstorm 5m")
    await tg.wait_message(group, "Brainstorm over contactmomenten")
    idea = await tg.send(bob, group, "/idea Telefoon van de receptie")
    await tg.wait_for(lambda: idea.reactions, what="the idea")
    await tg.send(alice, group, "/finish")
    final = await tg.wait_message(group, "De tijd is om!")
    await tg.press(alice, final, "Selecteren en beoordelen")
    await rate_round(tg, group, (alice, bob), "Beoordelingsronde 1", "Privé beoordelen")
    await tg.wait_message(group, "Rangschikking")
    await tg.wait_message(group, "Actieplan")

    # Now Russian, typed: the next round, its results and plan speak it.
    await tg.send(alice, group, "/settings lang ru")
    await tg.wait_message(group, "Настройки")
    await tg.send(alice, group, "/rate")
    await rate_round(tg, group, (alice, bob), "Раунд оценки 2", "Оценить лично")
    photo = await tg.wait_for(
        lambda: [m for m in tg.bot_messages(group) if m.kind == "photo"][1:],
        what="the second wheel",
    )
    assert "Округлость" in photo[0].text
    await tg.wait_message(group, "Рейтинг")
    await tg.wait_message(group, "План действий")
    seen = "\n".join(m.text for m in tg.bot_messages(group) if m.message_id >= menu.message_id)
    assert not [phrase for phrase in ENGLISH if phrase in seen]
