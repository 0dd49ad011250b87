"""The last line of defence: a handler failed. Log it with the update id, tell the person
that nothing they had sent before is lost, and let the bot carry on."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from bot.i18n import N_
from bot.services.steering import topic_of

log = logging.getLogger("touchwheel.errors")

FAILED = N_(
    "⚠️ Something went wrong on my side with that. Everything you sent before is safe; "
    "please try again in a minute."
)


async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    update = event.update
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    # Telegram itself may be what failed: the apology must not raise in turn.
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.answer(_(FAILED), show_alert=True)
        elif update.message is not None:
            await bot.send_message(
                update.message.chat.id,
                _(FAILED),
                message_thread_id=topic_of(update.message),
                reply_to_message_id=update.message.message_id,
                allow_sending_without_reply=True,
            )
    return True


def router() -> Router:
    router = Router(name="errors")
    router.errors.register(on_error)
    return router
