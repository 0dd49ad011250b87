"""The brainstorm, driven in-process: alice facilitates, bob and carol add ideas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import EditMessageText, SendMessage, SetMessageReaction
from aiogram.types import Chat, Message, User

from bot.core.clock import MARK_SPREAD, countdown_mark, mark_lead
from bot.domain import Phase
from bot.services.board import Boards
from bot.services.brainstorm import BrainstormService
from bot.views.callbacks import BoardAction, BoardOp
from storage.db import utcnow
from storage.models import Workshop
from tests.harness import Harness, group_chat, make_user, message, message_update, private_chat

NOW = datetime.now(UTC)


@pytest.fixture
def people() -> tuple[User, User, User]:
    return make_user("Alice"), make_user("Bob"), make_user("Carol", "ru")


@pytest.fixture
def chat(harness: Harness, people: tuple[User, User, User]) -> Chat:
    chat = group_chat()
    harness.session.admins[chat.id] = {people[0].id}
    return chat


async def settle(harness: Harness) -> None:
    """Let debounced board edits run: wait until the board updater has nothing to do."""
    boards: Boards = harness.dp["boards"]
    await boards.updater.idle()


async def started(
    harness: Harness, alice: User, chat: Chat, args: str = "10m Website"
) -> Workshop:
    await harness.say(alice, chat, f"/brainstorm {args}")
    ws = await harness.ctx.store.workshops.active(chat.id)
    assert ws is not None
    return ws


def board_edits(harness: Harness, ws: Workshop) -> list[str]:
    return [
        m.text for m in harness.session.of(EditMessageText) if m.message_id == ws.board_message_id
    ]


def reactions(harness: Harness, msg: Message) -> list[str]:
    return [
        r.reaction[0].emoji
        for r in harness.session.of(SetMessageReaction)
        if r.message_id == msg.message_id
    ]


async def test_alice_starts_and_the_board_appears(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice, _, _ = people
    ws = await started(harness, alice, chat)
    (board,) = harness.session.sent(chat.id)
    assert "Touchpoint brainstorm" in board.text and "Website" in board.text
    assert "min" in board.text and "left" in board.text
    assert ws.phase is Phase.BRAINSTORM and ws.facilitator_id == alice.id
    jobs = {job.key for job in await harness.ctx.store.jobs.pending()}
    assert jobs == {
        f"brainstorm_end:{ws.id}",
        f"brainstorm_warn:{ws.id}:5",
        f"brainstorm_warn:{ws.id}:1",
    }


async def test_short_sessions_skip_the_warnings(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat, "90s")
    jobs = {job.key for job in await harness.ctx.store.jobs.pending()}
    assert jobs == {f"brainstorm_end:{ws.id}", f"brainstorm_warn:{ws.id}:1"}


async def test_non_admins_cannot_start(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    _, bob, _ = people
    await harness.say(bob, chat, "/brainstorm 10m")
    (reply,) = harness.session.sent(chat.id)
    assert "Only chat admins" in reply.text
    assert await harness.ctx.store.workshops.active(chat.id) is None


@pytest.mark.parametrize(
    ("args", "answer"),
    [("5s", "too short"), ("9d", "too long"), ("12x Website", "could not read that duration")],
)
async def test_bad_durations_get_a_clear_answer(
    harness: Harness, chat: Chat, people: tuple[User, User, User], args: str, answer: str
) -> None:
    await harness.say(people[0], chat, f"/brainstorm {args}")
    (reply,) = harness.session.sent(chat.id)
    assert answer in reply.text
    assert await harness.ctx.store.workshops.active(chat.id) is None


async def test_one_workshop_at_a_time(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    await started(harness, people[0], chat)
    await harness.say(people[0], chat, "/brainstorm 5m Again")
    assert "already running" in harness.session.sent(chat.id)[-1].text


async def test_ideas_duplicates_and_limits(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice, bob, carol = people
    ws = await started(harness, alice, chat)
    first = await harness.say(bob, chat, "/idea Чат на сайте\n- Phone line #before")
    dup = await harness.say(carol, chat, "/tp Онлайн-чат на сайте")
    long_line = "x" * 300
    mixed = await harness.say(carol, chat, f"/idea Delivery\n{long_line}\nInvoice")
    await settle(harness)
    tps = await harness.ctx.store.touchpoints.live(ws.id)
    assert [(tp.text, tp.votes) for tp in tps] == [
        ("Чат на сайте", 2),
        ("Phone line", 1),
        ("Delivery", 1),
        ("Invoice", 1),
    ]
    assert reactions(harness, first) == ["✍"]
    assert reactions(harness, dup) == ["🤝"]
    assert reactions(harness, mixed) == ["✍"]
    refusal = harness.session.sent(chat.id)[-1].text
    # Carol's Telegram is in Russian, so her answer is too.
    assert "не больше 200 символов" in refusal and "2 строки сохранены" in refusal
    assert "(+1)" in board_edits(harness, ws)[-1]


async def test_html_in_ideas_shows_literally(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat)
    await harness.say(people[1], chat, "/idea <b>VK</b> & DMs")
    await settle(harness)
    assert "&lt;b&gt;VK&lt;/b&gt; &amp; DMs" in board_edits(harness, ws)[-1]


async def test_a_redelivered_update_adds_nothing(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat)
    msg = message(people[1], chat, "/idea Website").as_(harness.bot)
    await harness.feed(message_update(msg))
    await harness.feed(message_update(msg))
    tps = await harness.ctx.store.touchpoints.live(ws.id)
    assert [tp.votes for tp in tps] == [1]
    assert len(reactions(harness, msg)) == 1


async def test_replies_to_the_board_count_and_plain_chat_does_not(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat)
    assert ws.board_message_id is not None
    board = Message(
        message_id=ws.board_message_id,
        date=NOW,
        chat=chat,
        from_user=User(id=harness.bot.id, is_bot=True, first_name="Touchwheel"),
        text="board",
    )
    await harness.say(people[1], chat, "Call centre\nShowroom", reply_to=board)
    await harness.say(people[2], chat, "lunch anyone?")
    tps = await harness.ctx.store.touchpoints.live(ws.id)
    assert [tp.text for tp in tps] == ["Call centre", "Showroom"]


async def test_capture_all_takes_plain_messages(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat)
    await harness.ctx.store.chats.update_settings(chat.id, capture="all")
    await harness.say(people[2], chat, "Курьер")
    assert [tp.text for tp in await harness.ctx.store.touchpoints.live(ws.id)] == ["Курьер"]


async def test_private_idea_box_is_anonymous(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat)
    bob = people[1]
    harness.session.members[(chat.id, bob.id)] = "member"  # the box is for the group's members
    await harness.say(bob, private_chat(bob), f"/start i_{ws.idea_token}")
    assert "private idea box" in harness.session.sent(bob.id)[-1].text
    await harness.say(bob, private_chat(bob), "Rude courier")
    await settle(harness)
    tps = await harness.ctx.store.touchpoints.live(ws.id)
    assert [tp.text for tp in tps] == ["Rude courier"]
    assert await harness.ctx.store.touchpoints.contributors(ws.id) == []
    assert "Bob" not in board_edits(harness, ws)[-1]


async def test_finish_is_for_the_facilitator(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice, bob, _ = people
    ws = await started(harness, alice, chat)
    await harness.say(bob, chat, "/idea Website")
    await harness.say(bob, chat, "/finish")
    assert "Only the facilitator" in harness.session.sent(chat.id)[-1].text
    board = Message(message_id=ws.board_message_id or 0, date=NOW, chat=chat, text="b")
    await harness.click(bob, board, BoardAction(op=BoardOp.FINISH, ws=ws.id).pack())
    assert harness.session.answers()[-1].show_alert
    still = await harness.ctx.store.workshops.get(ws.id)
    assert still is not None and still.phase is Phase.BRAINSTORM

    await harness.say(alice, chat, "/finish")
    done = await harness.ctx.store.workshops.get(ws.id)
    assert done is not None and done.phase is Phase.REVIEW
    final = harness.session.sent(chat.id)[-1]
    assert "Time is up" in final.text and "1. Website" in final.text
    # The board's last edit says the time is up and points below; the list is posted once.
    board_edit = [
        m for m in harness.session.of(EditMessageText) if m.message_id == ws.board_message_id
    ][-1]
    assert "Time is up" in board_edit.text and "1. Website" not in board_edit.text
    assert sum("1. Website" in m.text for m in harness.session.sent(chat.id)) == 1
    assert await harness.ctx.store.jobs.pending() == []


async def test_extend_moves_the_deadline(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    ws = await started(harness, people[0], chat, "10m")
    await harness.say(people[0], chat, "/extend 15m")
    later = await harness.ctx.store.workshops.get(ws.id)
    assert later is not None and later.deadline is not None and ws.deadline is not None
    assert 14 * 60 <= (later.deadline - ws.deadline).total_seconds() <= 16 * 60
    (job,) = [
        j for j in await harness.ctx.store.jobs.pending() if j.key.startswith("brainstorm_end")
    ]
    assert job.run_at == later.deadline


async def test_cancel_asks_first(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice = people[0]
    ws = await started(harness, alice, chat)
    board = Message(message_id=ws.board_message_id or 0, date=NOW, chat=chat, text="b")
    await harness.click(alice, board, BoardAction(op=BoardOp.CANCEL, ws=ws.id).pack())
    still = await harness.ctx.store.workshops.get(ws.id)
    assert still is not None and still.phase is Phase.BRAINSTORM
    await harness.click(alice, board, BoardAction(op=BoardOp.CANCEL_YES, ws=ws.id).pack())
    gone = await harness.ctx.store.workshops.get(ws.id)
    assert gone is not None and gone.phase is Phase.CANCELLED
    await harness.click(alice, board, BoardAction(op=BoardOp.FINISH, ws=ws.id).pack())
    assert "over" in (harness.session.answers()[-1].text or "")


async def test_group_commands_in_private_are_pointed_to_the_group(
    harness: Harness, people: tuple[User, User, User]
) -> None:
    bob = people[1]
    await harness.say(bob, private_chat(bob), "/brainstorm 10m")
    assert "group chat" in harness.session.sent(bob.id)[-1].text


async def test_the_clock_edits_a_board_only_at_its_marks(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice, _, _ = people
    ws = await started(harness, alice, chat, "30m Website")
    (board,) = harness.session.sent(chat.id)
    assert "Ends at" in board.text and "left" not in board.text  # no clock to keep up yet
    boards: Boards = harness.dp["boards"]

    def board_edits() -> list[str]:
        return [str(m.text) for m in harness.session.of(EditMessageText) if m.chat_id == chat.id]

    for _ in range(3):
        await boards.tick()
    await boards.updater.idle()
    assert board_edits() == []  # ticks between marks edit nothing
    for left, marks in (
        (timedelta(minutes=9), 1),
        (timedelta(minutes=8), 1),
        (timedelta(minutes=4), 2),
    ):
        await harness.ctx.store.workshops.set_deadline(ws.id, utcnow() + left)
        await boards.tick()
        await boards.updater.idle()
        assert len(board_edits()) == marks
    assert "4 minutes left" in board_edits()[-1]


def test_marks_and_leads() -> None:
    assert countdown_mark(timedelta(minutes=11)) == 0
    assert countdown_mark(timedelta(minutes=10)) == 1
    assert countdown_mark(timedelta(minutes=3)) == 2 and countdown_mark(timedelta(0)) == 3
    assert countdown_mark(timedelta(minutes=10, seconds=20), timedelta(seconds=25)) == 1
    leads = {mark_lead(key) for key in range(1, 200)}
    assert len(leads) > 20 and all(timedelta(0) <= lead < MARK_SPREAD for lead in leads)


async def test_merge_names_both_and_counts_people_not_ideas(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice, bob, _ = people
    await started(harness, alice, chat)
    await harness.say(alice, chat, "/idea Website\nOnline chat on the site")
    await harness.say(alice, chat, "/idea Phone line")
    await harness.say(bob, chat, "/idea Call centre after hours")
    await harness.say(alice, chat, "/finish")

    # Alice wrote both 1 and 2: still one person, and no "(+0)".
    await harness.say(alice, chat, "/merge 1 2")
    answer = harness.session.sent(chat.id)[-1].text
    assert answer == "Merged 2. “Online chat on the site” into 1. “Website”."
    # Bob's idea folds into Alice's: two people named it now.
    await harness.say(alice, chat, "/merge 3 4")
    answer = harness.session.sent(chat.id)[-1].text
    assert answer == (
        "Merged 4. “Call centre after hours” into 3. “Phone line”. 2 people named it."
    )


async def test_a_bell_repeated_after_a_crash_posts_the_list_once(
    harness: Harness, chat: Chat, people: tuple[User, User, User]
) -> None:
    alice, bob, _ = people
    ws = await started(harness, alice, chat)
    await harness.say(bob, chat, "/idea Website")
    # The crash: the phase moved to review, the list never went out.
    assert await harness.ctx.store.workshops.set_phase(ws.id, Phase.REVIEW)
    assert not any("Time is up!" in m.text for m in harness.session.sent(chat.id))
    brainstorm: BrainstormService = harness.dp["brainstorm"]
    await brainstorm.finish(ws.id)  # the job runs again after the restart
    await brainstorm.finish(ws.id)  # and /finish was delivered again
    lists = [m for m in harness.session.sent(chat.id) if "Time is up!" in m.text]
    assert len(lists) == 1 and "1. Website" in lists[0].text
    done = await harness.ctx.store.workshops.get(ws.id)
    assert done is not None and done.list_posted


async def test_the_bell_is_stored_with_the_workshop_before_the_board_is_posted(
    harness: Harness, people: tuple[User, User, User], chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Telegram fails (or the process dies) while the board goes out: the workshop already
    # has its bell and warnings, so it still ends on time.
    async def unreachable(*args: object, **kwargs: object) -> None:
        raise TelegramNetworkError(method=SendMessage(chat_id=chat.id, text=""), message="down")

    service: BrainstormService = harness.dp["brainstorm"]
    await harness.say(people[0], chat, "/help")  # the chat and Alice are known
    monkeypatch.setattr(service, "post_board", unreachable)
    with pytest.raises(TelegramNetworkError):
        await service.start(chat.id, people[0].id, "en", timedelta(minutes=10), "Website")
    ws = await harness.ctx.store.workshops.active(chat.id)
    assert ws is not None
    pending = {job.key for job in await harness.ctx.store.jobs.pending()}
    assert {f"brainstorm_end:{ws.id}", f"brainstorm_warn:{ws.id}:5"} <= pending
