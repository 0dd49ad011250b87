"""Plan items named by their number in commands, and the check that the sender may edit
them: shared by the follow-up and plan handlers."""

from __future__ import annotations

from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.services.followup import FollowUpService
from bot.services.steering import sender_id
from bot.views.common import NO_PLAN, NOT_ALLOWED
from storage.models import PlanItem


def is_number(text: str | None) -> bool:
    return text is not None and text.lstrip("#").isdigit()


async def item_numbered(
    message: Message, followup: FollowUpService, number: str | None
) -> PlanItem | None:
    """The plan item numbered `number`; says why not when there is no plan or no such item
    (a missing or malformed number is left to the caller's usage line)."""
    _ws, items = await followup.plan(message.chat.id)
    if not items:
        await message.reply(_(NO_PLAN))
        return None
    if number is None or not is_number(number):
        return None
    found = next((i for i in items if i.number == int(number.lstrip("#"))), None)
    if found is None:
        await message.reply(_("There is no plan item {n}. See /plan.").format(n=number))
    return found


async def may_edit_or_say(
    message: Message, followup: FollowUpService, item: PlanItem | None = None
) -> bool:
    if await followup.may_edit(message.chat.id, sender_id(message), item):
        return True
    await message.reply(_(NOT_ALLOWED))
    return False
