"""Rating rounds in-process: the wizard, privacy, forged presses, closing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from aiogram.types import Chat, Message, User

from bot.config import Config
from bot.core.wizard import is_complete, step_after
from bot.domain import CRITERIA, Criterion, Phase, RoundStatus
from bot.services.rating import RatingService
from bot.views.callbacks import RateAction, RateOp, ReviewAction, ReviewOp, RoundAction, RoundOp
from storage.models import Round, Workshop
from tests.harness import Harness, group_chat, make_harness, make_user, private_chat

NOW = datetime.now(UTC)


class Team:
    def __init__(self, harness: Harness) -> None:
        self.h = harness
        self.alice, self.bob, self.carol = make_user("Alice"), make_user("Bob"), make_user("Carol")
        self.outsider = make_user("Eve")
        self.chat = group_chat()
        harness.session.admins[self.chat.id] = {self.alice.id}
        for user in (self.bob, self.carol):
            harness.session.members[(self.chat.id, user.id)] = "member"

    @property
    def rating(self) -> RatingService:
        flow: RatingService = self.h.dp["rating"]
        return flow

    async def workshop_in_review(self, ideas: str = "Website chat\nPhone line") -> Workshop:
        await self.h.say(self.alice, self.chat, "/brainstorm 10m")
        await self.h.say(self.bob, self.chat, f"/idea {ideas}")
        await self.h.say(self.carol, self.chat, "/idea Delivery")
        await self.h.say(self.alice, self.chat, "/finish")
        ws = await self.h.ctx.store.workshops.active(self.chat.id)
        assert ws is not None and ws.phase is Phase.REVIEW
        return ws

    async def open_round(self) -> tuple[Workshop, Round]:
        ws = await self.workshop_in_review()
        button = Message(message_id=1, date=NOW, chat=self.chat, text="list")
        await self.h.click(
            self.alice, button, ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id).pack()
        )
        (rnd,) = await self.h.ctx.store.rounds.for_workshop(ws.id)
        return ws, rnd

    async def open_wizard(self, user: User, rnd: Round) -> Message:
        await self.h.say(user, private_chat(user), f"/start r_{rnd.token}")
        rater = await self.h.ctx.store.rounds.rater(rnd.id, user.id)
        assert rater is not None and rater.wizard_message_id is not None
        return Message(message_id=rater.wizard_message_id, date=NOW, chat=private_chat(user))

    async def tap(
        self, user: User, wizard: Message, rnd: Round, op: RateOp, step: int, v: int = 0
    ) -> None:
        await self.h.click(user, wizard, RateAction(op=op, r=rnd.id, s=step, v=v).pack())

    async def rate_everything(self, user: User, rnd: Round, values: list[int]) -> None:
        wizard = await self.open_wizard(user, rnd)
        for step, value in enumerate(values):
            await self.tap(user, wizard, rnd, RateOp.VALUE, step, value)

    def last_answer(self) -> AnswerCallbackQuery:
        return self.h.session.answers()[-1]

    def last_edit(self, chat: Chat) -> str:
        edits = [m for m in self.h.session.of(EditMessageText) if m.chat_id == chat.id]
        return str(edits[-1].text)


@pytest.fixture
def team(harness: Harness) -> Team:
    return Team(harness)


async def test_shortlist_and_rate_opens_a_round_with_a_private_link(team: Team) -> None:
    ws, rnd = await team.open_round()
    assert rnd.status is RoundStatus.OPEN and rnd.number == 1
    message = team.h.session.sent(team.chat.id)[-1]
    assert "Rating round 1" in message.text and "0 of 3 members done" in message.text
    markup = message.method.reply_markup  # type: ignore[attr-defined]
    url = markup.inline_keyboard[0][0].url
    assert url == f"https://t.me/touchwheel_bot?start=r_{rnd.token}"
    assert len(rnd.token) >= 16 and not rnd.token.isdigit()
    items = await team.h.ctx.store.rounds.items(rnd.id)
    assert [i.text for i in items] == ["Website chat", "Phone line", "Delivery"]
    again = await team.h.ctx.store.workshops.get(ws.id)
    assert again is not None and again.phase is Phase.RATING


async def test_wizard_back_skip_change_and_exact_storage(team: Team) -> None:
    _, rnd = await team.open_round()
    bob = team.bob
    wizard = await team.open_wizard(bob, rnd)
    first = team.h.session.sent(bob.id)[-1].text
    assert "Touchpoint 1 of 3" in first and "Simplicity" in first
    await team.tap(bob, wizard, rnd, RateOp.VALUE, 0, 7)
    await team.tap(bob, wizard, rnd, RateOp.VALUE, 1, 3)
    await team.tap(bob, wizard, rnd, RateOp.BACK, 2)
    assert "Convenience" in team.last_edit(private_chat(bob))
    assert "•3•" in str(team.h.session.of(EditMessageText)[-1].reply_markup)
    await team.tap(bob, wizard, rnd, RateOp.VALUE, 1, 4)  # changed its mind
    await team.tap(bob, wizard, rnd, RateOp.SKIP, 2)
    for step, value in zip(range(3, 9), [5, 6, 7, 8, 9, 10], strict=True):
        await team.tap(bob, wizard, rnd, RateOp.VALUE, step, value)
    summary = team.last_edit(private_chat(bob))
    assert "Your answers" in summary and "7 · 4 · —" in summary
    await team.tap(bob, wizard, rnd, RateOp.CHANGE, 3)
    await team.tap(bob, wizard, rnd, RateOp.VALUE, 3, 0)
    await team.tap(bob, wizard, rnd, RateOp.VALUE, 3, 0)  # a double tap
    answers = await team.h.ctx.store.rounds.answers(rnd.id, bob.id)
    items = await team.h.ctx.store.rounds.items(rnd.id)
    tp = [i.touchpoint_id for i in items]
    assert answers == {
        (tp[0], Criterion.SIMPLICITY): 7,
        (tp[0], Criterion.CONVENIENCE): 4,
        (tp[0], Criterion.SPEED): None,
        (tp[1], Criterion.SIMPLICITY): 0,
        (tp[1], Criterion.CONVENIENCE): 6,
        (tp[1], Criterion.SPEED): 7,
        (tp[2], Criterion.SIMPLICITY): 8,
        (tp[2], Criterion.CONVENIENCE): 9,
        (tp[2], Criterion.SPEED): 10,
    }
    rater = await team.h.ctx.store.rounds.rater(rnd.id, bob.id)
    assert rater is not None and rater.finished_at is not None


async def test_restart_resumes_at_the_first_gap(team: Team) -> None:
    _, rnd = await team.open_round()
    wizard = await team.open_wizard(team.bob, rnd)
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 0, 5)
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 1, 5)
    await team.open_wizard(team.bob, rnd)
    resumed = team.h.session.sent(team.bob.id)[-1].text
    assert "Touchpoint 1 of 3" in resumed and "Response speed" in resumed


async def test_a_non_member_is_refused_and_nothing_is_stored(team: Team) -> None:
    _, rnd = await team.open_round()
    eve = team.outsider
    await team.h.say(eve, private_chat(eve), f"/start r_{rnd.token}")
    assert "for members of the group" in team.h.session.sent(eve.id)[-1].text
    assert await team.h.ctx.store.rounds.rater(rnd.id, eve.id) is None


async def test_forged_and_foreign_presses_change_nothing(team: Team) -> None:
    _, rnd = await team.open_round()
    wizard = await team.open_wizard(team.bob, rnd)
    eve_chat = private_chat(team.outsider)
    eve_msg = Message(message_id=wizard.message_id, date=NOW, chat=eve_chat)
    await team.tap(team.outsider, eve_msg, rnd, RateOp.VALUE, 0, 9)
    assert team.last_answer().show_alert
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 0, 11)
    assert team.last_answer().show_alert
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 99, 5)
    assert team.last_answer().show_alert
    for forged in ("rt:garbage", "totally-unknown", "rt:v:1:2"):
        before = len(team.h.session.answers())
        await team.h.click(team.bob, wizard, forged)
        assert len(team.h.session.answers()) == before + 1, forged
        assert team.last_answer().show_alert
    assert await team.h.ctx.store.rounds.ratings(rnd.id) == []


async def test_everyone_done_closes_the_round(team: Team) -> None:
    _, rnd = await team.open_round()
    await team.h.ctx.store.users.seen(team.alice.id, "alice", "Alice", "en", team.chat.id)
    for user in (team.alice, team.bob, team.carol):
        await team.rate_everything(user, rnd, [5] * 9)
    closed = await team.h.ctx.store.rounds.get(rnd.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED and closed.results_shown
    await team.tap(team.bob, await team.open_wizard(team.bob, rnd), rnd, RateOp.VALUE, 0, 1)


async def test_a_closed_round_refuses_taps(team: Team) -> None:
    _, rnd = await team.open_round()
    wizard = await team.open_wizard(team.bob, rnd)
    await team.rating.close(rnd.id, show_anyway=True)
    await team.h.settle()
    await team.tap(team.bob, wizard, rnd, RateOp.VALUE, 0, 3)
    assert "closed" in (team.last_answer().text or "")
    assert await team.h.ctx.store.rounds.ratings(rnd.id) == []


async def test_too_few_raters_ask_the_facilitator(team: Team) -> None:
    ws, rnd = await team.open_round()
    await team.rate_everything(team.bob, rnd, [6] * 9)
    await team.rating.deadline(rnd.id)
    await team.h.settle()
    question = team.h.session.sent(team.chat.id)[-1]
    assert "Only 1 of the 3 people needed" in question.text
    still = await team.h.ctx.store.rounds.get(rnd.id)
    assert still is not None and still.status is RoundStatus.OPEN
    button = Message(message_id=77, date=NOW, chat=team.chat, text="q")
    await team.h.click(team.bob, button, RoundAction(op=RoundOp.SHOW, r=rnd.id).pack())
    assert team.last_answer().show_alert
    await team.h.click(team.alice, button, RoundAction(op=RoundOp.SHOW, r=rnd.id).pack())
    done = await team.h.ctx.store.rounds.get(rnd.id)
    assert done is not None and done.status is RoundStatus.CLOSED
    after = await team.h.ctx.store.workshops.get(ws.id)
    assert after is not None and after.phase is Phase.RESULTS


async def test_rate_on_an_empty_list_says_so(team: Team) -> None:
    await team.h.say(team.alice, team.chat, "/brainstorm 10m")
    await team.h.say(team.alice, team.chat, "/finish")
    await team.h.say(team.alice, team.chat, "/rate")
    assert "list is empty" in team.h.session.sent(team.chat.id)[-1].text


async def test_thirty_raters_tapping_at_once_lose_nothing(team: Team) -> None:
    _, rnd = await team.open_round()
    raters = [make_user(f"R{n}") for n in range(30)]
    for user in raters:
        team.h.session.members[(team.chat.id, user.id)] = "member"
    wizards = [await team.open_wizard(user, rnd) for user in raters]

    async def rate(index: int) -> None:
        user, wizard = raters[index], wizards[index]
        for step in range(9):
            data = RateAction(op=RateOp.VALUE, r=rnd.id, s=step, v=(index + step) % 11).pack()
            # Every tap arrives twice (a double tap), interleaved with everyone else's.
            await asyncio.gather(
                team.h.click(user, wizard, data), team.h.click(user, wizard, data)
            )

    await asyncio.gather(*(rate(i) for i in range(30)))
    ratings = await team.h.ctx.store.rounds.ratings(rnd.id)
    assert len(ratings) == 30 * 9
    items = await team.h.ctx.store.rounds.items(rnd.id)
    position = {item.touchpoint_id: item.position - 1 for item in items}
    index_of = {user.id: i for i, user in enumerate(raters)}
    for rating in ratings:
        step = position[rating.touchpoint_id] * 3 + CRITERIA.index(rating.criterion)
        assert rating.value == (index_of[rating.rater_id] + step) % 11


async def test_private_start_lists_open_rounds(team: Team) -> None:
    _, rnd = await team.open_round()
    await team.h.say(team.carol, private_chat(team.carol), "/start")
    reply = team.h.session.sent(team.carol.id)[-1]
    assert "Your open rating rounds" in reply.text
    markup = reply.method.reply_markup  # type: ignore[attr-defined]
    assert markup.inline_keyboard[0][0].url.endswith(f"start=r_{rnd.token}")
    await team.h.say(team.outsider, private_chat(team.outsider), "/start")
    assert "Your open rating rounds" not in team.h.session.sent(team.outsider.id)[-1].text


async def test_reminders_name_the_unfinished_and_skip_who_blocked_the_bot(team: Team) -> None:
    _, rnd = await team.open_round()
    bob_wizard = await team.open_wizard(team.bob, rnd)
    await team.tap(team.bob, bob_wizard, rnd, RateOp.VALUE, 0, 5)  # started, not finished
    carol_wizard = await team.open_wizard(team.carol, rnd)
    await team.tap(team.carol, carol_wizard, rnd, RateOp.VALUE, 0, 5)
    team.h.session.blocked.add(team.carol.id)  # Carol blocks the bot
    await team.rating.remind(rnd.id)
    group_line = team.h.session.sent(team.chat.id)[-1].text
    assert "Still to finish" in group_line
    assert (
        f"tg://user?id={team.bob.id}" in group_line
        and f"tg://user?id={team.alice.id}" in group_line
    )
    nudges = [m.text for m in team.h.session.sent(team.bob.id) if "not finished yet" in m.text]
    assert len(nudges) == 1
    carol = await team.h.ctx.store.users.get(team.carol.id)
    assert carol is not None and carol.blocked_bot
    attempts = len(team.h.session.sent(team.carol.id))
    await team.rating.remind(rnd.id)  # the second reminder does not try Carol again
    assert len(team.h.session.sent(team.carol.id)) == attempts
    assert len([m for m in team.h.session.sent(team.bob.id) if "not finished yet" in m.text]) == 2


async def test_a_member_without_ideas_is_waited_for_and_counted(team: Team) -> None:
    dave = make_user("Dave")
    team.h.session.members[(team.chat.id, dave.id)] = "member"
    _, rnd = await team.open_round()
    for user in (team.alice, team.bob, team.carol):
        await team.rate_everything(user, rnd, [5] * 9)
    still = await team.h.ctx.store.rounds.get(rnd.id)
    assert still is not None and still.status is RoundStatus.OPEN and still.members == 4
    offers = [m for m in team.h.session.sent(team.chat.id) if "Everyone who started" in m.text]
    assert len(offers) == 1 and "3 of 4 members done" in offers[0].text
    await team.rating.remind(rnd.id)
    line = team.h.session.sent(team.chat.id)[-1].text
    assert "1 member has not started yet" in line and "Still to finish" not in line
    await team.rate_everything(dave, rnd, [9] * 9)
    closed = await team.h.ctx.store.rounds.get(rnd.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED
    assert len([m for m in team.h.session.sent(team.chat.id) if "Everyone who" in m.text]) == 1
    ratings = await team.h.ctx.store.rounds.ratings(rnd.id)
    assert {r.rater_id for r in ratings} == {team.alice.id, team.bob.id, team.carol.id, dave.id}


async def test_closing_tidies_every_wizard_and_links_the_results(team: Team) -> None:
    _, rnd = await team.open_round()
    await team.rate_everything(team.bob, rnd, [5] * 9)
    carol_wizard = await team.open_wizard(team.carol, rnd)
    await team.tap(team.carol, carol_wizard, rnd, RateOp.VALUE, 0, 3)  # carol is mid-way
    await team.rating.close(rnd.id, show_anyway=True)
    await team.h.settle()
    closed = await team.h.ctx.store.rounds.get(rnd.id)
    assert closed is not None and closed.results_message_id is not None
    link = f"https://t.me/c/{str(team.chat.id)[4:]}/{closed.results_message_id}"
    for user in (team.bob, team.carol):
        rater = await team.h.ctx.store.rounds.rater(rnd.id, user.id)
        assert rater is not None
        edits = [
            m
            for m in team.h.session.of(EditMessageText)
            if m.chat_id == user.id and m.message_id == rater.wizard_message_id
        ]
        assert "The round is closed" in str(edits[-1].text) and edits[-1].reply_markup is None
        lines = [m.text for m in team.h.session.sent(user.id) if "are out" in m.text]
        assert len(lines) == 1 and link in lines[0]


async def test_the_rate_button_keeps_the_duration_of_rate(config: Config, tmp_path: Path) -> None:
    small = config.model_copy(
        update={"workshop": config.workshop.model_copy(update={"max_touchpoints": 3})}
    )
    harness = await make_harness(small, str(tmp_path / "small.sqlite3"))
    team = Team(harness)
    ws = await team.workshop_in_review("Website chat\nPhone line\nInvoice email")
    await harness.say(team.alice, team.chat, "/rate 15m")
    assert "Shortlist for the wheel" in harness.session.sent(team.chat.id)[-1].text
    button = Message(message_id=1, date=NOW, chat=team.chat, text="shortlist")
    await harness.click(team.alice, button, ReviewAction(op=ReviewOp.RATE, ws=ws.id).pack())
    (rnd,) = await harness.ctx.store.rounds.for_workshop(ws.id)
    assert abs((rnd.deadline - rnd.opened_at).total_seconds() - 15 * 60) <= 2
    after = await harness.ctx.store.workshops.get(ws.id)
    assert after is not None and after.round_seconds is None  # used up by the round
    await harness.ctx.scheduler.shutdown()
    await harness.ctx.store.close()


def test_the_wizard_walks_a_spoke_then_the_first_gap() -> None:
    spokes = [11, 12]
    answered = {(11, Criterion.SIMPLICITY): 5, (12, Criterion.SIMPLICITY): None}
    assert step_after(0, spokes, answered) == 1  # the rest of spoke 1 first
    assert step_after(2, spokes, answered) == 4  # then the first gap after it
    assert not is_complete(spokes, answered)
    everything = {(tp, c): 1 for tp in spokes for c in CRITERIA}
    assert step_after(5, spokes, everything) is None and is_complete(spokes, everything)


async def test_a_round_is_stored_with_its_deadline_before_it_is_announced(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The announcement fails (or the process dies while it goes out): the round still has
    # its deadline and reminders, so it closes on time.
    ws = await team.workshop_in_review()
    await team.h.ctx.store.touchpoints.set_shortlist(
        ws.id, [tp.id for tp in await team.h.ctx.store.touchpoints.live(ws.id)]
    )

    async def unreachable(*args: object, **kwargs: object) -> None:
        raise TelegramNetworkError(method=SendMessage(chat_id=team.chat.id, text=""), message="")

    monkeypatch.setattr(team.rating, "round_view", unreachable)
    with pytest.raises(TelegramNetworkError):
        await team.rating.open_round(ws, timedelta(minutes=30))
    (rnd,) = await team.h.ctx.store.rounds.for_workshop(ws.id)
    pending = {job.key for job in await team.h.ctx.store.jobs.pending()}
    expected = {f"rating_close:{rnd.id}", f"rating_remind:{rnd.id}:half"}
    assert expected <= pending, pending
