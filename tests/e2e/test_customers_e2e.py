"""Customer voice with the real bot: the survey link, a customer's idea on the board, three
customers rating beside the team, both views and the gap in the results, refused links."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path

from tests.conftest import RunBot
from tests.e2e.steps import open_wizard, tap
from tests.fakeapi import FakeTelegram, FakeUser, Sent

LINK = re.compile(r"start=(c_[A-Za-z0-9_-]+)")
# Wheel order (the stage first): the customer's SMS reminder (#после), Phone line, Website
# chat, Reception desk. One value per spoke for all three criteria.
TEAM = [5, 8, 7, 6]
CUSTOMERS = [5, 3, 7, 6]


async def survey_link(tg: FakeTelegram, facilitator: FakeUser, after: int) -> str:
    forward = await tg.wait_message(tg.private(facilitator), "start=c_", after=after)
    found = LINK.search(forward.text)
    assert found is not None
    return found.group(1)


def last_id(tg: FakeTelegram, user: FakeUser) -> int:
    return max((m.message_id for m in tg.messages[tg.private(user).id]), default=0)


async def rate(tg: FakeTelegram, user: FakeUser, wizard: Sent, per_spoke: list[int]) -> None:
    for value in per_spoke:
        for _criterion in range(3):
            await tap(tg, user, wizard, str(value))
    assert "✅" in wizard.text


async def test_customers_end_to_end(tg: FakeTelegram, run_bot: RunBot, tmp_path: Path) -> None:
    await run_bot(min_raters=3)
    alice, bob, carol = (tg.user(n) for n in ("Alice", "Bob", "Carol"))
    kim, lev, mia = tg.user("Kim", "ru"), tg.user("Lev"), tg.user("Mia", "nl")
    nina = tg.user("Nina")
    group = tg.group("Smile Dental", members=[alice, bob, carol], admins=[alice])

    await tg.send(alice, group, "/brainstorm 5m Patients")
    board = await tg.wait_message(group, "Touchpoint brainstorm")
    # Alice never opened the bot's private chat: told how, and no link exists yet.
    await tg.send(alice, group, "/customers")
    await tg.wait_message(group, "cannot write to you in private")
    await tg.send(bob, group, "/customers")
    await tg.wait_message(group, "Only the facilitator or a chat admin")
    await tg.start_bot(alice)
    await tg.send(alice, group, "/customers")
    await tg.wait_message(group, "sent you the customer survey link")
    first = await survey_link(tg, alice, 0)
    after = last_id(tg, alice)
    await tg.send(alice, group, "/customers")  # a new link: the first one stops working
    token = await survey_link(tg, alice, after)
    assert token != first and len(token) >= 20

    ideas = [
        await tg.send(bob, group, "/idea Phone line\nWebsite chat"),
        await tg.send(carol, group, "/idea Reception desk"),
    ]
    await tg.wait_for(lambda: all(m.reactions for m in ideas), what="the team's ideas")

    # A customer comes in during the brainstorm and adds an idea; the board shows it unnamed.
    await tg.start_bot(kim, token)
    await tg.wait_message(tg.private(kim), "Спасибо, что помогаете «Patients»")
    sms = await tg.send(kim, tg.private(kim), "Напоминание по SMS #после\nWebsite chat")
    await tg.wait_for(lambda: sms.reactions, what="the customer's idea acknowledged")
    await tg.wait_for(lambda: "Напоминание по SMS" in board.text, what="the idea on the board")
    assert "🗣 1 customer" in board.text and "Kim" not in board.text
    assert "Website chat (+1) · 🗣 1 customer" in board.text  # the customer's +1
    # Old link refused; a customer has no power through the bot.
    await tg.start_bot(nina, first)
    await tg.wait_message(tg.private(nina), "no longer valid")
    for command in ("/finish", "/cancel", "/customers off", "/drop 1"):
        await tg.send(kim, tg.private(kim), command)
    await tg.wait_for(
        lambda: len(tg.find(tg.private(kim), "работает в групповом чате")) == 4,
        what="four refusals",
    )
    await tg.send(alice, group, "/finish")
    final = await tg.wait_message(group, "Time is up!")
    assert "Напоминание по SMS" in final.text

    after = last_id(tg, kim)
    await tg.press(alice, final, "Shortlist & rate")
    await tg.wait_message(group, "Rating round 1")
    kim_wizard = await tg.wait_message(tg.private(kim), "Насколько вам легко", after=after)
    assert "Напоминание по SMS" in kim_wizard.text  # the first spoke: its stage comes first
    wizards = {kim.id: kim_wizard}
    for customer, question in ((lev, "How easy is it for you"), (mia, "Hoe makkelijk")):
        await tg.start_bot(customer, token)
        wizards[customer.id] = await tg.wait_message(tg.private(customer), question)
    # Each private chat is paced at about a message a second: the three rate side by side.
    await asyncio.gather(*(rate(tg, c, wizards[c.id], CUSTOMERS) for c in (kim, lev, mia)))
    round_message = tg.find(group, "Rating round 1")[0]
    assert "0 of 3" in round_message.text  # customers are not members finishing the round

    rate_token = round_message.button("Rate privately")["url"].split("start=r_", 1)[1]
    team = {m.id: await open_wizard(tg, m, rate_token) for m in (alice, bob, carol)}
    await asyncio.gather(*(rate(tg, m, team[m.id], TEAM) for m in (alice, bob, carol)))

    photo = await tg.wait_for(
        lambda: next((m for m in tg.bot_messages(group) if m.kind == "photo"), None),
        what="the wheel",
    )
    assert "🗣 3 customers rated · their view weighs 60 % of the score" in photo.text
    assert photo.file is not None and photo.file[:4] == b"\x89PNG"
    table = (await tg.wait_message(group, "Ranking")).text
    assert "👥 the team's and 🗣 the customers' scores" in table
    # Phone line: the team 8.0, customers 3.0, overall 0.6 × 3 + 0.4 × 8 = 5.0.
    assert "1. Phone line\n5.0 · 👥 8.0 · 🗣 3.0\n" in table
    assert "2. Website chat\n7.0 · 👥 7.0 · 🗣 7.0\n" in table
    assert "1. Phone line: the team gives 8.0, customers 3.0 (−5.0)" in table
    assert "Напоминание по SMS: the team" not in table  # 5.0 on both sides: no gap
    for name in ("Kim", "Lev", "Mia"):
        assert all(name not in m.text for m in tg.bot_messages(group))
    report = (await tg.wait_message(group, "Action plan")).text
    plan = report[report.index("Action plan") :]  # after the ranking, in the same message
    # The SMS reminder scores 5.0 too, and its weakest team score is lower, but customers
    # see the phone line far worse: it comes first.
    assert plan.index("Phone line") < plan.index("Напоминание по SMS")

    await tg.wait_message(tg.private(kim), "ваши ответы учтены")
    await tg.send(alice, group, "/customers off")
    await tg.wait_message(group, "switched off")
    await tg.start_bot(nina, token)
    await tg.wait_for(
        lambda: len(tg.find(tg.private(nina), "no longer valid")) == 2, what="second refusal"
    )
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        customers = conn.execute("SELECT user_id FROM customers ORDER BY alias").fetchall()
        sources = dict(
            conn.execute("SELECT rater_id, min(source) FROM ratings GROUP BY rater_id").fetchall()
        )
    assert [row[0] for row in customers] == [kim.id, lev.id, mia.id]
    assert {sources[u.id] for u in (kim, lev, mia)} == {"customer"}
    assert {sources[u.id] for u in (alice, bob, carol)} == {"team"}
