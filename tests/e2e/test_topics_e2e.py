"""Forum topics with the real bot: two workshops in two topics of one supergroup run side by
side, each taking ideas from its own topic and posting only there."""

from __future__ import annotations

from tests.conftest import RunBot
from tests.e2e.steps import open_wizard, tap
from tests.fakeapi import FakeTelegram

RECEPTION, WEBSITE = 11, 22


async def test_two_workshops_in_two_topics(tg: FakeTelegram, run_bot: RunBot) -> None:
    await run_bot(min_raters=1)
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Clinic", members=[alice, bob], admins=[alice], topics=(RECEPTION, WEBSITE))
    await tg.start_bot(bob)

    await tg.send(alice, group, "/brainstorm 5m Reception", thread=RECEPTION)
    board_a = await tg.wait_message(group, "brainstorm · Reception")
    await tg.send(alice, group, "/brainstorm 5m Website", thread=WEBSITE)
    board_b = await tg.wait_message(group, "brainstorm · Website")
    assert (board_a.thread, board_b.thread) == (RECEPTION, WEBSITE)

    ideas = [
        await tg.send(bob, group, "/idea Phone line", thread=RECEPTION),
        await tg.send(bob, group, "/idea Contact form", thread=WEBSITE),
        await tg.send(bob, group, "Waiting room", reply_to=board_a),  # a reply to the board
        await tg.send(alice, group, "/idea Opening hours page", thread=WEBSITE),
    ]
    await tg.wait_for(lambda: all(m.reactions for m in ideas), what="the four ideas")
    await tg.send(bob, group, "/idea Parking")  # the general topic runs no workshop
    await tg.wait_message(group, "No brainstorm is running here")
    await tg.wait_for(
        lambda: "Waiting room" in board_a.text and "Opening hours page" in board_b.text,
        what="both boards",
    )
    assert "Contact form" not in board_a.text and "Phone line" not in board_b.text

    # The reception topic finishes and rates; the website brainstorm keeps running.
    await tg.send(alice, group, "/finish", thread=RECEPTION)
    final = await tg.wait_message(group, "Time is up!")
    assert final.thread == RECEPTION and "Waiting room" in final.text
    assert "Contact form" not in final.text
    await tg.press(alice, final, "Shortlist & rate")
    announcement = await tg.wait_message(group, "Rating round 1")
    assert announcement.thread == RECEPTION
    token = announcement.button("Rate privately")["url"].split("start=r_", 1)[1]
    wizard = await open_wizard(tg, bob, token)
    for label in ("7", "7", "7", "4", "4", "4"):
        await tap(tg, bob, wizard, label)
    await tg.send(alice, group, "/finish", thread=RECEPTION)
    ranking = await tg.wait_message(group, "Ranking")
    photo = next(m for m in tg.bot_messages(group) if m.kind == "photo")
    plan = await tg.wait_message(group, "Action plan")
    assert {ranking.thread, photo.thread, plan.thread} == {RECEPTION}
    assert "Ends at" in board_b.text  # untouched by the other topic's bell

    await tg.send(alice, group, "/finish", thread=WEBSITE)
    second = await tg.wait_for(
        lambda: [m for m in tg.find(group, "Time is up!") if m.thread == WEBSITE],
        what="the website list",
    )
    assert "Contact form" in second[0].text and "Phone line" not in second[0].text

    # Every post of a workshop went to its own topic; only the refusal is in General.
    general = [m for m in tg.bot_messages(group) if m.thread is None]
    assert [m.text for m in general] == [
        next(m.text for m in general if "No brainstorm is running here" in m.text)
    ]
    website = {m.message_id for m in tg.bot_messages(group) if m.thread == WEBSITE}
    assert website == {board_b.message_id, second[0].message_id}
    # Telegram refused nothing; "message is not modified" is its answer to a redundant edit,
    # which the bot's edit helper expects (a progress redraw with nothing new in it).
    assert not [e for e in tg.errors if "message is not modified" not in e[2]]
