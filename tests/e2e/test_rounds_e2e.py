"""Rounds every member can finish, with the real bot: who is counted, when a round closes,
durations through the shortlist, and one number per touchpoint across two rounds."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from tests.conftest import RunBot
from tests.e2e.steps import brainstorm_to_review, never, open_wizard, tap
from tests.fakeapi import FakeChat, FakeTelegram, FakeUser, Sent


def round_token(announcement: Sent) -> str:
    return str(announcement.button("Rate privately")["url"]).split("start=r_", 1)[1]


async def rate_all(tg: FakeTelegram, user: FakeUser, token: str, values: list[str]) -> Sent:
    wizard = await open_wizard(tg, user, token)
    for label in values:
        await tap(tg, user, wizard, label)
    assert "Your answers" in wizard.text
    return wizard


async def two_in_review(
    tg: FakeTelegram, run_bot: RunBot, ideas: str, **workshop: object
) -> tuple[FakeUser, FakeUser, FakeChat]:
    """A bot, Alice (admin, facilitating) and Bob in a group; Bob's ideas, after the bell."""
    await run_bot(**workshop)
    alice, bob = tg.user("Alice"), tg.user("Bob")
    group = tg.group("Team", members=[alice, bob], admins=[alice])
    await brainstorm_to_review(tg, group, alice, [(bob, ideas)])
    return alice, bob, group


def wheels(tg: FakeTelegram, group: FakeChat) -> list[Sent]:
    return [m for m in tg.bot_messages(group) if m.kind == "photo"]


# "Not closed yet" is only worth checking after a sync point: something the bot does after it
# would have closed the round. A progress line is not one. The answer to a rater's last tap
# is: the bot acts on the finish (stores the round as closed, or offers to close, or waits)
# before it answers the tap, and rate_all returns only once that answer has come. The wheel
# itself is posted after the answer, by the publication job, so the check reads the
# database: a round closed too early is stored as closed by then, wheel or not.


async def test_every_member_counts_and_the_round_waits_for_the_last(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    await run_bot(min_raters=3)
    alice, bob, carol, dave, erin = (tg.user(n) for n in ("Alice", "Bob", "Carol", "Dave", "Erin"))
    group = tg.group("Clinic", members=[alice, bob, carol, dave, erin], admins=[alice])
    ideas = [(alice, "Reception desk"), (bob, "Phone line"), (carol, "Website booking")]
    await brainstorm_to_review(tg, group, alice, ideas)
    await tg.send(alice, group, "/rate 20m")
    announcement = await tg.wait_message(group, "Rating round 1")
    token = round_token(announcement)
    assert "0 of 5 members done" in announcement.text

    # The three who added ideas finish first: the round stays open for the other two.
    summaries = [await rate_all(tg, u, token, ["7"] * 9) for u in (alice, bob, carol)]
    assert closed_at(tmp_path) is None  # Carol's last tap is answered: it closed nothing
    await tg.wait_for(lambda: "3 of 5 members done" in announcement.text, what="the progress line")
    offer = await tg.wait_message(group, "Everyone who started has finished")
    assert "3 of 5 members done" in offer.text and offer.button("Close now")

    # Dave, who added nothing, rates afterwards and is counted; still open for Erin.
    summaries.append(await rate_all(tg, dave, token, ["4"] * 9))
    assert closed_at(tmp_path) is None  # Dave's last tap is answered: still open for Erin
    await tg.wait_for(lambda: "4 of 5 members done" in announcement.text, what="4 of 5")
    summaries.append(await rate_all(tg, erin, token, ["1"] * 9))

    # The fifth closes it by itself.
    photo = await tg.wait_for(lambda: next(iter(wheels(tg, group)), None), what="the wheel")
    assert "5 people rated" in photo.text
    await tg.wait_message(group, "Ranking")
    await tg.wait_for(lambda: "Closed" in announcement.text, what="the closed round message")
    assert not announcement.buttons()
    await tg.wait_for(lambda: not offer.buttons(), what="the offer without its button")
    assert wheels(tg, group) == [photo]

    # Closing tidies up: no buttons on any summary, and one private line with the link.
    link = f"https://t.me/c/{str(group.id)[4:]}/{photo.message_id}"
    await tg.wait_for(
        lambda: all(not s.buttons() for s in summaries), what="summaries without buttons"
    )
    for user, summary in zip((alice, bob, carol, dave, erin), summaries, strict=True):
        assert "The round is closed" in summary.text
        ready = await tg.wait_message(tg.private(user), "results of rating round 1 are out")
        assert f'href="{link}"' in (ready.html or "")
        assert len(tg.find(tg.private(user), "results of rating round 1 are out")) == 1


def closed_at(tmp_path: Path) -> str | None:
    """When the bot stored the (only) round as closed."""
    with contextlib.closing(sqlite3.connect(tmp_path / "bot.sqlite3")) as conn:
        found = conn.execute("SELECT closed_at FROM rounds").fetchone()
    return None if found is None else found[0]


async def test_four_of_six_and_the_facilitator_closes(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    await run_bot(min_raters=3)
    people = [tg.user(n) for n in ("Alice", "Bob", "Carol", "Dave", "Erin", "Frank")]
    alice, bob, carol, dave = people[:4]
    group = tg.group("Sales", members=people, admins=[alice])
    await brainstorm_to_review(tg, group, alice, [(bob, "Price list"), (carol, "Demo call")])
    await tg.send(alice, group, "/rate 2h")
    announcement = await tg.wait_message(group, "Rating round 1")
    token = round_token(announcement)
    for user in (alice, bob, carol, dave):
        await rate_all(tg, user, token, ["6"] * 6)
    assert closed_at(tmp_path) is None  # Dave's last tap is answered: it closed nothing
    offer = await tg.wait_message(group, "Everyone who started has finished")
    await tg.wait_for(lambda: "4 of 6 members done" in offer.text, what="the offer at 4 of 6")
    assert "Everyone who started has finished" in offer.text
    await tg.wait_for(lambda: "4 of 6 members done" in announcement.text, what="4 of 6")

    # Bob's press is refused. The bot does nothing visible after that answer, so there is no
    # sync point: give a wrong close a moment to show. A close is stored at once, unpaced,
    # before the wheel is drawn and sent.
    refused = await tg.press(bob, offer, "Close now")
    assert refused["show_alert"] and "Only the facilitator" in str(refused["text"])
    await never(tg, lambda: closed_at(tmp_path) or wheels(tg, group), 3, "a close by Bob")
    pressed = time.monotonic()
    closing = await tg.press(alice, offer, "Close now")
    assert not closing["show_alert"], closing
    photo = await tg.wait_for(lambda: next(iter(wheels(tg, group)), None), what="the wheel")
    assert "4 people rated" in photo.text and photo.sent_at > pressed
    await tg.wait_for(lambda: "Closed" in announcement.text, what="the closed round message")
    assert "4 of 6 members done" in announcement.text
    await tg.wait_message(group, "Action plan")  # the last of the results: after the wheel
    assert wheels(tg, group) == [photo]
    # Only one offer was made, however many finished after everyone who started.
    assert len(tg.find(group, "Everyone who started has finished")) == 1


async def test_a_duration_survives_the_shortlist(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    ideas = "Website\nPhone line\nDelivery\nInvoice email"
    alice, _bob, group = await two_in_review(tg, run_bot, ideas, max_touchpoints=3)
    await tg.send(alice, group, "/rate 15m")
    shortlist = await tg.wait_message(group, "Shortlist for the wheel")
    await tg.press(alice, shortlist, "Rate these 3")
    announcement = await tg.wait_message(group, "Rating round 1")
    assert "(15 minutes left)" in announcement.text or "(14 minutes left)" in announcement.text

    def stored() -> tuple[str, str, str] | None:
        with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
            found = conn.execute(
                "SELECT r.opened_at, r.deadline, j.run_at FROM rounds r "
                "JOIN jobs j ON j.kind = 'rating_close' AND j.ref_id = r.id"
            ).fetchone()
        return None if found is None else (found[0], found[1], found[2])

    opened, deadline, run_at = await tg.wait_for(stored, what="the round's closing job")
    length = datetime.fromisoformat(deadline) - datetime.fromisoformat(opened)
    assert abs(length.total_seconds() - 15 * 60) <= 2
    assert datetime.fromisoformat(run_at) == datetime.fromisoformat(deadline)


async def test_one_number_per_touchpoint_across_two_rounds(
    tg: FakeTelegram, run_bot: RunBot, tmp_path: Path
) -> None:
    # Stages put the spokes in another order than the list: Delivery (before) comes first.
    ideas = "Old brochure\nWebsite chat #after\nPhone line\nDelivery #before\nInvoice email"
    alice, bob, group = await two_in_review(tg, run_bot, ideas, min_raters=1)
    await tg.send(alice, group, "/drop 1")  # the gap stays: the others keep 2..5
    await tg.wait_message(group, "Dropped")
    after = max(m.message_id for m in tg.messages[group.id])
    await tg.send(alice, group, "/list")
    listed = await tg.wait_message(group, "5. Invoice email", after=after)
    assert "3. Phone line" in listed.text and "1. Old brochure" not in listed.text

    async def rate_round(n: int, values: dict[str, str]) -> tuple[str, str]:
        after = max(m.message_id for m in tg.messages[group.id])
        await tg.send(alice, group, "/rate")
        announcement = await tg.wait_message(group, f"Rating round {n}", after=after)
        wizard = await open_wizard(tg, bob, round_token(announcement))
        assert "4. Delivery" in wizard.text  # the first spoke, with its list number
        for _ in range(4):
            name = next(k for k in values if k in wizard.text.split("\n")[2])
            for _criterion in range(3):
                await tap(tg, bob, wizard, values[name])
        assert "3. Phone line: " in wizard.text
        await tg.send(alice, group, "/finish")
        table = (await tg.wait_message(group, "Ranking", after=after)).text
        return table, (await tg.wait_message(group, "Action plan", after=after)).text

    first, _ = await rate_round(1, {"Delivery": "2", "Website": "3", "Phone": "4", "Invoice": "9"})
    second, plan = await rate_round(
        2, {"Delivery": "5", "Website": "6", "Phone": "1", "Invoice": "9"}
    )
    for table in (first, second):
        assert "\n3. Phone line\n" in table and "\n4. Delivery\n" in table
        assert "\n2. Website chat\n" in table
    # In the plan itself: what round 1's plan did comes before it in the same message.
    plan = plan.split("🛠 Action plan", 1)[1]
    assert plan.index("3. Phone line —") < plan.index("4. Delivery —") < plan.index("2. Website")

    await tg.send(alice, group, "/done 3")
    await tg.wait_message(group, "Item 3 is done")
    after = max(m.message_id for m in tg.messages[group.id])
    await tg.send(alice, group, "/plan")
    shown = await tg.wait_message(group, "🛠 Action plan", after=after)
    phone = shown.text.split("3. Phone line", 1)[1].split("\n4.", 1)[0]
    assert "✅" in phone
    with sqlite3.connect(tmp_path / "bot.sqlite3") as conn:
        done = conn.execute(
            "SELECT t.text FROM plan_items p JOIN touchpoints t ON t.id = p.touchpoint_id "
            "WHERE p.done_at IS NOT NULL AND p.round_id = (SELECT max(id) FROM rounds)"
        ).fetchall()
    assert done == [("Phone line",)]
