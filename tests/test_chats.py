"""The chat itself changes: a group moved to a supergroup, the bot removed and added back."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import (
    Chat,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberUpdated,
    Message,
    Update,
    User,
)

from bot.domain import Phase
from bot.services.followup import FollowUpService
from tests.harness import BOT_USER, Harness, private_chat
from tests.test_rating import Team
from tests.test_results import closed_round

OLD = Chat(id=-4242, type="group", title="Team")
NEW = Chat(id=-1004242, type="supergroup", title="Team")


def team_in(harness: Harness, chat: Chat) -> Team:
    team = Team(harness)
    team.chat = chat
    for group in (OLD, NEW):
        harness.session.admins[group.id] = {team.alice.id}
        for user in (team.bob, team.carol):
            harness.session.members[(group.id, user.id)] = "member"
    return team


async def service_message(
    h: Harness, user: User, chat: Chat, to: int | None = None, came_from: int | None = None
) -> None:
    msg = Message(
        message_id=9000,
        date=datetime.now(UTC),
        chat=chat,
        from_user=user,
        migrate_to_chat_id=to,
        migrate_from_chat_id=came_from,
    )
    await h.feed(Update(update_id=90_000 + abs(chat.id) % 1000, message=msg))


def sent_to(h: Harness, chat: Chat) -> list[str]:
    return [r.text for r in h.session.sent(chat.id)]


async def test_a_group_that_becomes_a_supergroup_keeps_everything(harness: Harness) -> None:
    team = await closed_round(harness, team_in(harness, OLD))
    store = harness.ctx.store
    ws = await store.workshops.latest(OLD.id)
    assert ws is not None
    await harness.say(team.alice, OLD, "/assign 2 @bob")
    await harness.say(team.alice, OLD, "/due 2 3d")
    await harness.say(team.alice, OLD, "/schedule weekly 10:00")

    await service_message(harness, team.alice, OLD, to=NEW.id)
    await service_message(harness, team.alice, NEW, came_from=OLD.id)  # twice: once

    assert await store.workshops.latest(OLD.id) is None
    moved = await store.workshops.latest(NEW.id)
    assert moved is not None and moved.id == ws.id and moved.phase is Phase.RESULTS
    assert await store.schedules.get(OLD.id) is None and await store.schedules.get(NEW.id)
    assert await store.jobs.pending_with_prefix(f"scheduled_round:{OLD.id}:") == []
    assert await store.jobs.pending_with_prefix(f"due_reminder:{OLD.id}:") == []
    assert len(await store.jobs.pending_with_prefix(f"scheduled_round:{NEW.id}:")) == 1
    assert len(await store.jobs.pending_with_prefix(f"due_reminder:{NEW.id}:")) == 1
    follow: FollowUpService = harness.dp["followup"]
    _ws, items = await follow.plan(NEW.id)
    assert any(i.owner_id == team.bob.id and i.due_date for i in items)

    # The team goes on in the supergroup; the old id answers nothing any more.
    before_old = len(sent_to(harness, OLD))
    await harness.say(team.alice, OLD, "/plan")
    await harness.say(team.alice, OLD, "/brainstorm 10m")
    assert len(sent_to(harness, OLD)) == before_old
    assert await store.workshops.active(OLD.id) is None
    await harness.say(team.alice, NEW, "/results")
    photos = [m for m in harness.session.of(SendPhoto) if m.chat_id == NEW.id]
    assert len(photos) == 1 and "round 1" in (photos[0].caption or "")
    await harness.say(team.alice, NEW, "/plan")
    assert "Phone line" in sent_to(harness, NEW)[-1]


async def test_a_running_brainstorm_posts_its_board_again_in_the_new_chat(
    harness: Harness,
) -> None:
    team = team_in(harness, OLD)
    store = harness.ctx.store
    await harness.say(team.alice, OLD, "/brainstorm 10m Website")
    await harness.say(team.bob, OLD, "/idea Online chat")
    # The supergroup's service message may come first.
    await service_message(harness, team.alice, NEW, came_from=OLD.id)
    ws = await store.workshops.active(NEW.id)
    assert ws is not None and ws.phase is Phase.BRAINSTORM
    boards = [
        m
        for m in harness.session.of(SendMessage)
        if m.chat_id == NEW.id and "brainstorm" in m.text
    ]
    assert len(boards) == 1 and "Online chat" in boards[0].text
    assert ws.board_message_id is not None
    await service_message(harness, team.alice, OLD, to=NEW.id)
    assert len([m for m in harness.session.of(SendMessage) if m.chat_id == NEW.id]) == 1

    await harness.say(team.carol, OLD, "/idea Phone line")  # a late message from the old id
    await harness.say(team.carol, NEW, "/idea Delivery")
    texts = [tp.text for tp in await store.touchpoints.live(ws.id)]
    assert texts == ["Online chat", "Delivery"]


def membership(
    chat: Chat,
    by: User,
    old: ChatMemberMember | ChatMemberLeft,
    new: ChatMemberMember | ChatMemberLeft,
) -> Update:
    return Update(
        update_id=80_000 + len(str(old)) + len(str(new)),
        my_chat_member=ChatMemberUpdated(
            chat=chat,
            from_user=by,
            date=datetime.now(UTC),
            old_chat_member=old,
            new_chat_member=new,
        ),
    )


async def test_removed_pauses_the_schedule_and_added_back_resumes_it(harness: Harness) -> None:
    team = await closed_round(harness, team_in(harness, NEW))
    store = harness.ctx.store
    ws = await store.workshops.latest(NEW.id)
    assert ws is not None
    await harness.say(team.alice, NEW, "/assign 2 @bob")
    await harness.say(team.alice, NEW, "/due 2 0d")
    await harness.say(team.alice, NEW, "/schedule weekly 10:00")
    follow: FollowUpService = harness.dp["followup"]
    present = ChatMemberMember(user=BOT_USER)
    gone = ChatMemberLeft(user=BOT_USER)

    await harness.feed(membership(NEW, team.alice, present, gone))
    chat = await store.chats.get(NEW.id)
    assert chat is not None and chat.paused
    before = len(sent_to(harness, NEW))
    # The jobs fire while the bot is out: nothing is sent, nothing is lost.
    await follow.due_reminders(NEW.id)
    await follow.scheduled_round(NEW.id)
    assert len(sent_to(harness, NEW)) == before
    assert len(await store.rounds.for_workshop(ws.id)) == 1
    assert await store.schedules.get(NEW.id) is not None

    await harness.feed(membership(NEW, team.alice, gone, present))
    after = sent_to(harness, NEW)[before:]
    assert any("Due today" in text for text in after)  # the reminder that waited
    assert after[-1].startswith("👋 I am back")
    assert len(await store.jobs.pending_with_prefix(f"scheduled_round:{NEW.id}:")) == 1
    chat = await store.chats.get(NEW.id)
    assert chat is not None and not chat.paused
    # Added back again (a repeated update): no second greeting.
    await harness.feed(membership(NEW, team.alice, gone, present))
    assert len(sent_to(harness, NEW)) == before + len(after)


# --- people who leave stop counting as members (issue 27) --------------------------------------


def member_update(
    chat: Chat, user: User, new: ChatMemberMember | ChatMemberLeft | ChatMemberBanned
) -> Update:
    old = (
        ChatMemberMember(user=user)
        if not isinstance(new, ChatMemberMember)
        else ChatMemberLeft(user=user)
    )
    return Update(
        update_id=next(_member_updates),
        chat_member=ChatMemberUpdated(
            chat=chat,
            from_user=user,
            date=datetime.now(UTC),
            old_chat_member=old,
            new_chat_member=new,
        ),
    )


_member_updates = itertools.count(70_000)


async def left_chat_member(h: Harness, chat: Chat, by: User, user: User) -> None:
    msg = Message(
        message_id=next(_member_updates),
        date=datetime.now(UTC),
        chat=chat,
        from_user=by,
        left_chat_member=user,
    )
    await h.feed(Update(update_id=next(_member_updates), message=msg))


async def start_buttons(h: Harness, user: User) -> list[str]:
    await h.say(user, private_chat(user), "/start")
    markup = h.session.of(SendMessage)[-1].reply_markup
    if markup is None:
        return []
    return [b.text for row in markup.inline_keyboard for b in row]


@pytest.mark.parametrize(
    "how",
    ["chat_member: left", "chat_member: kicked", "left the group", "removed by an admin"],
)
async def test_who_leaves_disappears_from_start_and_the_owner_picker(
    harness: Harness, how: str
) -> None:
    team = team_in(harness, NEW)
    await team.open_round()  # Bob wrote in the group: a member the bot has seen
    store = harness.ctx.store
    assert await start_buttons(harness, team.bob)
    assert await store.users.member_by_username(NEW.id, "@bob") is not None
    bob = team.bob
    if how == "chat_member: left":
        await harness.feed(member_update(NEW, bob, ChatMemberLeft(user=bob)))
    elif how == "chat_member: kicked":
        await harness.feed(
            member_update(
                NEW, bob, ChatMemberBanned(user=bob, until_date=datetime.fromtimestamp(0, UTC))
            )
        )
    elif how == "left the group":
        await left_chat_member(harness, NEW, bob, bob)
    else:
        await left_chat_member(harness, NEW, team.alice, bob)
    assert await start_buttons(harness, bob) == []
    assert await store.users.member_by_username(NEW.id, "@bob") is None  # what /assign asks


@pytest.mark.parametrize("how", ["chat_member", "new_chat_members"])
async def test_who_comes_back_counts_again(harness: Harness, how: str) -> None:
    team = team_in(harness, NEW)
    await team.open_round()
    bob = team.bob
    await harness.feed(member_update(NEW, bob, ChatMemberLeft(user=bob)))
    assert await start_buttons(harness, bob) == []
    if how == "chat_member":
        await harness.feed(member_update(NEW, bob, ChatMemberMember(user=bob)))
    else:
        msg = Message(
            message_id=next(_member_updates),
            date=datetime.now(UTC),
            chat=NEW,
            from_user=bob,
            new_chat_members=[bob, BOT_USER],
        )
        await harness.feed(Update(update_id=next(_member_updates), message=msg))
    assert len(await start_buttons(harness, bob)) == 1
    assert await harness.ctx.store.users.member_by_username(NEW.id, "@bob") is not None


def test_the_bot_asks_telegram_for_member_updates(harness: Harness) -> None:
    """Polling and the webhook both ask for the update types the dispatcher handles."""
    assert "chat_member" in harness.dp.resolve_used_update_types()


async def test_who_left_cannot_be_made_an_owner(harness: Harness) -> None:
    team = await closed_round(harness, team_in(harness, NEW))
    await harness.say(team.alice, NEW, "/assign 2 @bob")
    assert "goes to" in sent_to(harness, NEW)[-1]
    await left_chat_member(harness, NEW, team.bob, team.bob)
    await harness.say(team.alice, NEW, "/assign 1 @bob")
    assert "I have not seen @bob in this chat" in sent_to(harness, NEW)[-1]
