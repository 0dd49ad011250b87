"""/customers in the group, and customers following the survey link in private."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.customers import CUSTOMER_PREFIX, CustomerService
from bot.services.steering import GROUP_ANONYMOUS_BOT_ID, Steering, sender_id, topic_of
from bot.services.workshops import Workshops
from bot.views import customers as views
from bot.views.common import LINK_INVALID, NOT_ALLOWED

OFF_WORDS = frozenset({"off", "stop", "выкл", "стоп", "uit"})


async def customers_command(
    message: Message,
    command: CommandObject,
    customers: CustomerService,
    steering: Steering,
    workshops: Workshops,
) -> None:
    """/customers: a new survey link to the facilitator in private; /customers off: revoke."""
    ws = await workshops.latest(message.chat.id, topic_of(message))
    if ws is None:
        await message.reply(_(views.NO_WORKSHOP))
        return
    user_id = sender_id(message)
    if not await steering.may_steer(ws, user_id):
        await message.reply(_(NOT_ALLOWED))
        return
    if (command.args or "").strip().lower() in OFF_WORDS:
        revoked = await customers.revoke(ws)
        await message.reply(_(views.REVOKED) if revoked else _(views.NO_LINK))
        return
    if user_id == GROUP_ANONYMOUS_BOT_ID:
        # The link would go to Telegram's stand-in account, never to the admin.
        await message.reply(_(views.ANONYMOUS_ADMIN))
        return
    sent = await customers.issue(ws, user_id)
    await message.reply(_(views.LINK_SENT) if sent else _(views.CANNOT_WRITE))


async def open_survey(
    message: Message, command: CommandObject, customers: CustomerService
) -> None:
    """/start c_<token>: a customer comes in."""
    if message.from_user is None:
        await message.answer(_(LINK_INVALID))
        return
    answer = await customers.open(message.from_user, command.args or "")
    if answer is not None:
        await message.answer(answer)


def group_router() -> Router:
    router = Router(name="customers")
    router.message.register(customers_command, Command("customers"))
    return router


def private_router() -> Router:
    router = Router(name="customers-private")
    router.message.register(
        open_survey, CommandStart(deep_link=True, magic=F.args.startswith(CUSTOMER_PREFIX))
    )
    return router
