"""Customer voice in-process: the survey link, customers' ideas and ratings, the gap."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from aiogram.methods import EditMessageText
from aiogram.types import Message, User

from bot.config import Config
from bot.domain import CUSTOMER, Phase, RoundStatus
from bot.services.export import ExportService
from bot.views.callbacks import RateAction, RateOp, ReviewAction, ReviewOp
from bot.views.results import table_lines, wheel_spec
from storage.models import Round, Workshop
from tests.harness import Harness, make_harness, make_user, message_update, private_chat
from tests.test_rating import NOW, Team

LINK = re.compile(r"https://t\.me/touchwheel_bot\?start=(c_[A-Za-z0-9_-]+)")
# One value per spoke for all three criteria, in wheel order (the stage first): Invoice by
# email (#after), Website chat, Phone line, Delivery.
TEAM_VALUES = [5, 8, 8, 6]
CUSTOMER_VALUES = [5, 7, 3, 6]


class Shop(Team):
    """The rating team, plus customers who come through the survey link."""

    def __init__(self, harness: Harness) -> None:
        super().__init__(harness)
        self.dave = make_user("Dave", "ru")
        self.erin = make_user("Erin", "nl")
        self.fay = make_user("Fay")

    async def issue_link(self) -> str:
        await self.h.say(self.alice, self.chat, "/customers")
        forwarded = [m.text for m in self.h.session.sent(self.alice.id) if LINK.search(m.text)]
        assert forwarded, "no survey link reached the facilitator"
        found = LINK.search(forwarded[-1])
        assert found is not None
        return found.group(1)

    async def workshop(self) -> Workshop:
        ws = await self.h.ctx.store.workshops.latest(self.chat.id)
        assert ws is not None
        return ws

    async def wizard_of(self, user: User, rnd: Round) -> Message:
        rater = await self.h.ctx.store.rounds.rater(rnd.id, user.id)
        assert rater is not None and rater.wizard_message_id is not None
        return Message(message_id=rater.wizard_message_id, date=NOW, chat=private_chat(user))

    async def answer_all(self, user: User, rnd: Round, per_spoke: list[int]) -> None:
        wizard = await self.wizard_of(user, rnd)
        for step in range(len(per_spoke) * 3):
            await self.tap(user, wizard, rnd, RateOp.VALUE, step, per_spoke[step // 3])

    def private_texts(self, user: User) -> list[str]:
        return [m.text for m in self.h.session.sent(user.id)]


@pytest.fixture
def shop(harness: Harness) -> Shop:
    return Shop(harness)


async def brainstorm_with_a_customer(shop: Shop) -> str:
    """Alice starts, issues the link; Dave (a customer, Russian) adds two ideas, one of them
    the team's own."""
    await shop.h.say(shop.alice, shop.chat, "/brainstorm 10m Shop")
    await shop.h.say(shop.bob, shop.chat, "/idea Website chat\nPhone line")
    await shop.h.say(shop.carol, shop.chat, "/idea Delivery")
    token = await shop.issue_link()
    await shop.h.say(shop.dave, private_chat(shop.dave), f"/start {token}")
    await shop.h.say(shop.dave, private_chat(shop.dave), "Invoice by email #after\nWebsite chat")
    return token


async def test_link_goes_to_the_facilitator_in_private(shop: Shop) -> None:
    await shop.h.say(shop.alice, shop.chat, "/brainstorm 10m Shop")
    await shop.h.say(shop.bob, shop.chat, "/customers")
    assert "Only the facilitator" in shop.h.session.sent(shop.chat.id)[-1].text
    assert (await shop.workshop()).customer_token is None
    token = await shop.issue_link()
    assert (await shop.workshop()).customer_token == token.removeprefix("c_")
    assert "in private" in shop.h.session.sent(shop.chat.id)[-1].text
    again = await shop.issue_link()
    assert again != token  # a new link; the old one stops working
    await shop.h.say(shop.fay, private_chat(shop.fay), f"/start {token}")
    assert "no longer valid" in shop.private_texts(shop.fay)[-1]


async def test_customer_ideas_are_unsigned_and_count_as_customers(shop: Shop) -> None:
    await brainstorm_with_a_customer(shop)
    ws = await shop.workshop()
    welcome = shop.private_texts(shop.dave)[0]
    assert "Спасибо, что помогаете «Shop»" in welcome and "#до" in welcome
    live = {tp.text: tp for tp in await shop.h.ctx.store.touchpoints.live(ws.id)}
    assert live["Invoice by email"].customers == 1 and live["Invoice by email"].stage.value == (
        "after"
    )
    assert live["Website chat"].customers == 1 and live["Website chat"].votes == 2  # +1
    assert live["Phone line"].customers == 0
    await shop.h.dp["boards"].flush(ws.id)
    edits = shop.h.session.of(EditMessageText)
    text = [m.text for m in edits if m.message_id == ws.board_message_id][-1]
    assert "Invoice by email" in text and "🗣 1 customer" in text
    assert "Dave" not in text
    assert "💡 4 touchpoints from 2 contributors · 🗣 1 customer" in text
    # Customers are never named to the group as contributors.
    assert shop.dave.id not in await shop.h.ctx.store.touchpoints.contributors(ws.id)


async def test_customer_throttled_and_refused_outside_the_brainstorm(
    config: Config, tmp_path: Path
) -> None:
    slow = config.model_copy(
        update={"workshop": config.workshop.model_copy(update={"customer_ideas_per_minute": 2})}
    )
    h = await make_harness(slow, str(tmp_path / "slow.sqlite3"))
    try:
        shop = Shop(h)
        await brainstorm_with_a_customer(shop)  # Dave's first message
        await h.say(shop.dave, private_chat(shop.dave), "Shop counter")
        await h.say(shop.dave, private_chat(shop.dave), "Parking lot")
        assert "подождите" in shop.private_texts(shop.dave)[-1].lower()
        ws = await shop.workshop()
        texts = {tp.text for tp in await h.ctx.store.touchpoints.live(ws.id)}
        assert "Shop counter" in texts and "Parking lot" not in texts
        await h.say(shop.alice, shop.chat, "/finish")
        await h.say(shop.fay, private_chat(shop.fay), "hello")  # never followed a link
        assert "idea box" in shop.private_texts(shop.fay)[-1]
        token = f"c_{(await shop.workshop()).customer_token}"
        await h.say(shop.fay, private_chat(shop.fay), f"/start {token}")
        assert "sorting the ideas" in shop.private_texts(shop.fay)[-1]
        await h.say(shop.fay, private_chat(shop.fay), "Late idea")
        assert "sorting the ideas" in shop.private_texts(shop.fay)[-1]
    finally:
        await h.dp.emit_shutdown(bot=h.bot, **h.dp.workflow_data)
        await h.ctx.scheduler.shutdown()
        await h.ctx.store.close()


async def test_revoked_link_team_member_and_group_commands(shop: Shop) -> None:
    token = await brainstorm_with_a_customer(shop)
    # A member of the team is pointed to the group, and does not become a customer.
    await shop.h.say(shop.bob, private_chat(shop.bob), f"/start {token}")
    assert "team's group" in shop.private_texts(shop.bob)[-1]
    ws = await shop.workshop()
    assert not await shop.h.ctx.store.customers.is_customer(ws.id, shop.bob.id)
    # A customer has no power through the bot.
    for command in ("/finish", "/cancel", "/customers", "/rate", "/drop 1", "/assign 1 @x"):
        await shop.h.say(shop.dave, private_chat(shop.dave), command)
        assert (
            "group chat" in shop.private_texts(shop.dave)[-1]
            or "группов" in (shop.private_texts(shop.dave)[-1])
        )
    assert (await shop.workshop()).phase is Phase.BRAINSTORM
    await shop.h.say(shop.alice, shop.chat, "/customers off")
    assert "switched off" in shop.h.session.sent(shop.chat.id)[-1].text
    await shop.h.say(shop.erin, private_chat(shop.erin), f"/start {token}")
    assert "niet meer geldig" in shop.private_texts(shop.erin)[-1]
    assert not await shop.h.ctx.store.customers.is_customer(ws.id, shop.erin.id)
    await shop.h.say(shop.alice, shop.chat, "/customers off")
    assert "no customer link" in shop.h.session.sent(shop.chat.id)[-1].text


async def rated_with_customers(shop: Shop, customers: list[User]) -> Round:
    """Dave adds ideas during the brainstorm; the round opens (Dave gets the wizard by
    himself); the other customers follow the link while it is open; everybody rates."""
    token = await brainstorm_with_a_customer(shop)
    await shop.h.say(shop.alice, shop.chat, "/finish")
    ws = await shop.workshop()
    button = Message(message_id=1, date=NOW, chat=shop.chat, text="list")
    await shop.h.click(shop.alice, button, ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id).pack())
    (rnd,) = await shop.h.ctx.store.rounds.for_workshop(ws.id)
    items = await shop.h.ctx.store.rounds.items(rnd.id)
    assert [i.text for i in items] == [
        "Invoice by email",
        "Website chat",
        "Phone line",
        "Delivery",
    ]
    invite = shop.private_texts(shop.dave)
    assert "раунд оценки" in invite[-2] and "Насколько вам легко" in invite[-1]
    for customer in customers[1:]:
        await shop.h.say(customer, private_chat(customer), f"/start {token}")
    for customer in customers:
        await shop.answer_all(customer, rnd, CUSTOMER_VALUES)
    found = await shop.h.ctx.store.rounds.get(rnd.id)
    assert found is not None and found.status is RoundStatus.OPEN  # customers close nothing
    progress = await shop.rating.progress_of(found, shop.chat.id)
    assert progress.started == frozenset() and progress.members == 3
    for member in (shop.alice, shop.bob, shop.carol):
        await shop.rate_everything(member, rnd, [TEAM_VALUES[s // 3] for s in range(12)])
    closed = await shop.h.ctx.store.rounds.get(rnd.id)
    assert closed is not None and closed.status is RoundStatus.CLOSED
    return closed


async def test_results_show_both_views_and_the_gap(shop: Shop, tmp_path: Path) -> None:
    rnd = await rated_with_customers(shop, [shop.dave, shop.erin, shop.fay])
    results = await shop.h.dp["results"].compute(rnd)
    phone = results.spoke(results.items[2])
    assert (phone.team, phone.customer, phone.customer_raters) == (8.0, 3.0, 3)
    assert phone.overall == pytest.approx(0.6 * 3 + 0.4 * 8)
    group = [m.text for m in shop.h.session.sent(shop.chat.id)]
    caption = next(t for t in group if "Roundness" in t)
    assert "🗣 3 customers rated · their view weighs 60 % of the score" in caption
    ranking = next(t for t in group if "Ranking" in t)
    assert "2. Phone line\n<b>5.0</b> · 👥 8.0 · 🗣 3.0\n" in ranking
    assert "👥 the team's and 🗣 the customers' scores" in ranking
    assert "2. Phone line: the team gives 8.0, customers 3.0 (−5.0)" in ranking
    assert "1. Website chat: the team gives 8.0, customers 7.0 (−1.0)" in ranking
    assert "Delivery: the team" not in ranking  # no gap there
    # Phone line and the invoice both score 5.0: customers see the phone far worse, so it
    # is planned first.
    plan = await shop.h.ctx.store.plans.for_round(rnd.id)
    assert [p.number for p in plan][:2] == [2, 4]
    with shop.h.ctx.speaking("en"):
        spec = wheel_spec(results)
    assert [s.customer for s in spec.spokes] == [5.0, 7.0, 3.0, 6.0]
    assert [s.team for s in spec.spokes] == [5.0, 8.0, 8.0, 6.0]
    assert "customers 60 %" in spec.legend_team
    # Every customer gets their summary and a thank-you, not a link into the group.
    assert "Спасибо" in shop.private_texts(shop.dave)[-1]
    assert "t.me/c/" not in shop.private_texts(shop.dave)[-1]
    # Export: customers in their own sheet and CSV, as C1…C3; no names anywhere.
    export: ExportService = shop.h.dp["export"]
    files = dict(await export.files(results))
    assert "touchwheel-round-1-customer-answers.csv" in files
    customer_csv = files["touchwheel-round-1-customer-answers.csv"].decode("utf-8-sig")
    assert {line.split(",")[0] for line in customer_csv.splitlines()[1:]} == {"C1", "C2", "C3"}
    team_csv = files["touchwheel-round-1-answers.csv"].decode("utf-8-sig")
    assert {line.split(",")[0] for line in team_csv.splitlines()[1:]} == {"R1", "R2", "R3"}
    path = tmp_path / "book.xlsx"
    path.write_bytes(files["touchwheel-round-1.xlsx"])
    book = openpyxl.load_workbook(path)
    assert "Customers' answers" in book.sheetnames
    assert len(list(book["Customers' answers"].values)) == 1 + 3 * 12
    for name in ("Dave", "Erin", "Fay"):
        assert all(name not in data.decode("utf-8", "ignore") for data in files.values())
    report = files["touchwheel-round-1-report.md"].decode()
    assert "## Customers and the team" in report
    assert "| 2 | Phone line | 8.0 | 3.0 | −5.0 |" in report  # a real minus sign


async def test_too_few_customers_are_kept_back(shop: Shop) -> None:
    rnd = await rated_with_customers(shop, [shop.dave, shop.erin])
    results = await shop.h.dp["results"].compute(rnd)
    assert results.score.customers_hidden and not results.with_customers
    assert all(s.customer is None for s in results.score.spokes)
    assert results.spoke(results.items[2]).overall == 8.0  # the team's alone
    caption = next(t for t in (m.text for m in shop.h.session.sent(shop.chat.id)) if "Round" in t)
    assert "2 customers rated: their view counts from 3, so it is kept back." in caption
    with shop.h.ctx.speaking("en"):
        ranking = "\n".join(table_lines(results))
        spokes = wheel_spec(results).spokes
    assert "Cust" not in ranking and "gap" not in ranking.lower()
    assert all(s.customer is None and s.team is None for s in spokes)


async def test_customer_answers_stored_as_customer(shop: Shop) -> None:
    rnd = await rated_with_customers(shop, [shop.dave, shop.erin, shop.fay])
    ratings = await shop.h.ctx.store.rounds.ratings(rnd.id)
    sources = {r.rater_id: r.source for r in ratings}
    assert sources[shop.dave.id] == CUSTOMER and sources[shop.alice.id] == "team"
    raters = await shop.h.ctx.store.rounds.raters(rnd.id)
    assert {r.user_id for r in raters} == {shop.alice.id, shop.bob.id, shop.carol.id}
    # A forged tap on a closed round from a customer changes nothing.
    wizard = await shop.wizard_of(shop.dave, rnd)
    await shop.h.click(shop.dave, wizard, RateAction(op=RateOp.VALUE, r=rnd.id, s=0, v=0).pack())
    assert "закрыт" in str(shop.last_answer().text)  # in Dave's language
    assert await shop.h.ctx.store.rounds.ratings(rnd.id) == ratings


async def test_a_link_of_an_earlier_workshop_is_refused(shop: Shop) -> None:
    token = await brainstorm_with_a_customer(shop)
    ws = await shop.workshop()
    await shop.h.ctx.store.workshops.set_phase(ws.id, Phase.CANCELLED)
    await shop.h.say(shop.alice, shop.chat, "/brainstorm 10m Next")
    newer = await shop.workshop()
    assert newer.id != ws.id
    await shop.h.say(shop.fay, private_chat(shop.fay), f"/start {token}")
    assert "no longer valid" in shop.private_texts(shop.fay)[-1]
    assert not await shop.h.ctx.store.customers.is_customer(newer.id, shop.fay.id)
    # Dave's messages no longer reach the cancelled workshop either.
    await shop.h.say(shop.dave, private_chat(shop.dave), "Parking lot")
    texts = {tp.text for tp in await shop.h.ctx.store.touchpoints.live(newer.id)}
    assert "Parking lot" not in texts


# --- /customers off cuts customers off; anonymous admins (issue 27) -----------------------------


async def test_off_stops_ideas_of_customers_who_joined(shop: Shop) -> None:
    await brainstorm_with_a_customer(shop)
    await shop.h.say(shop.alice, shop.chat, "/customers off")
    await shop.h.say(shop.dave, private_chat(shop.dave), "Parking lot")
    ws = await shop.workshop()
    assert "Parking lot" not in {tp.text for tp in await shop.h.ctx.store.touchpoints.live(ws.id)}
    assert "Команда отключила опрос для клиентов" in shop.private_texts(shop.dave)[-1]
    assert not await shop.h.ctx.store.customers.is_customer(ws.id, shop.dave.id)


async def test_off_stops_the_rating_form_of_customers(shop: Shop) -> None:
    await brainstorm_with_a_customer(shop)
    await shop.h.say(shop.alice, shop.chat, "/finish")
    ws = await shop.workshop()
    button = Message(message_id=1, date=NOW, chat=shop.chat, text="list")
    await shop.h.click(shop.alice, button, ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id).pack())
    (rnd,) = await shop.h.ctx.store.rounds.for_workshop(ws.id)
    wizard = await shop.wizard_of(shop.dave, rnd)  # Dave got the form when the round opened
    await shop.tap(shop.dave, wizard, rnd, RateOp.VALUE, 0, 7)
    assert len(await shop.h.ctx.store.rounds.answers(rnd.id, shop.dave.id)) == 1
    await shop.h.say(shop.alice, shop.chat, "/customers off")
    await shop.tap(shop.dave, wizard, rnd, RateOp.VALUE, 1, 7)
    answer = shop.last_answer()
    assert answer.show_alert and "Команда отключила опрос" in str(answer.text)
    # The answer given before stays; nothing after the switch is taken.
    assert len(await shop.h.ctx.store.rounds.answers(rnd.id, shop.dave.id)) == 1


async def test_a_new_link_after_off_invites_only_who_follows_it(shop: Shop) -> None:
    await brainstorm_with_a_customer(shop)  # Dave came through the first link
    await shop.h.say(shop.alice, shop.chat, "/customers off")
    token = await shop.issue_link()
    await shop.h.say(shop.erin, private_chat(shop.erin), f"/start {token}")
    await shop.h.say(shop.erin, private_chat(shop.erin), "Parcel locker")
    await shop.h.say(shop.dave, private_chat(shop.dave), "Parking lot")  # not back yet
    ws = await shop.workshop()
    texts = {tp.text for tp in await shop.h.ctx.store.touchpoints.live(ws.id)}
    assert "Parcel locker" in texts and "Parking lot" not in texts
    dave_before = len(shop.private_texts(shop.dave))
    await shop.h.say(shop.alice, shop.chat, "/finish")
    button = Message(message_id=1, date=NOW, chat=shop.chat, text="list")
    await shop.h.click(shop.alice, button, ReviewAction(op=ReviewOp.SHORTLIST, ws=ws.id).pack())
    (rnd,) = await shop.h.ctx.store.rounds.for_workshop(ws.id)
    # Erin, who followed the new link, gets the form; Dave, cut off, is not written to.
    assert await shop.h.ctx.store.rounds.rater(rnd.id, shop.erin.id) is not None
    assert await shop.h.ctx.store.rounds.rater(rnd.id, shop.dave.id) is None
    assert len(shop.private_texts(shop.dave)) == dave_before
    # Following the new link brings Dave back, under his old number.
    aliases_before = await shop.h.ctx.store.customers.aliases(ws.id)
    await shop.h.say(shop.dave, private_chat(shop.dave), f"/start {token}")
    assert await shop.h.ctx.store.rounds.rater(rnd.id, shop.dave.id) is not None
    aliases = await shop.h.ctx.store.customers.aliases(ws.id)
    assert shop.dave.id not in aliases_before and aliases[shop.dave.id] == 1


ANONYMOUS = User(id=1087968824, is_bot=True, first_name="Group", username="GroupAnonymousBot")


@pytest.mark.parametrize("args", ["", " off"])
async def test_an_anonymous_admin_is_asked_to_use_their_own_account(shop: Shop, args: str) -> None:
    await shop.h.say(shop.alice, shop.chat, "/brainstorm 10m Shop")
    if args:
        await shop.issue_link()
    msg = Message(
        message_id=777,
        date=NOW,
        chat=shop.chat,
        from_user=ANONYMOUS,
        sender_chat=shop.chat,
        text=f"/customers{args}",
    ).as_(shop.h.bot)
    await shop.h.feed(message_update(msg))
    reply = shop.h.session.sent(shop.chat.id)[-1].text
    assert not shop.h.session.sent(ANONYMOUS.id)  # nothing to Telegram's stand-in account
    if args:  # switching off needs no private chat: it works
        assert "switched off" in reply
        assert (await shop.workshop()).customer_token is None
    else:
        assert "from your own account" in reply
        assert (await shop.workshop()).customer_token is None
