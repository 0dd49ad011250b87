"""/start and /help: what the bot is, how a workshop goes, the commands."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.context import AppContext
from bot.core.text import shorten
from handlers.rating import RATE_PREFIX


def help_text() -> str:
    """The full explanation: the method in seven steps and every command."""
    return "\n".join(
        [
            _("<b>Touchwheel</b> runs a customer-touchpoint workshop right in your group chat."),
            "",
            _("<b>How a workshop goes</b>"),
            _(
                "1. <b>Brainstorm</b>: for a set time everybody lists every place where "
                "customers meet the company: the site chat, the phone after 18:00, delivery, "
                "the invoice…"
            ),
            _("2. <b>Shortlist</b>: the facilitator keeps the touchpoints that matter."),
            _(
                "3. <b>Rate</b>: each member privately scores every touchpoint 0–10 for "
                "simplicity, convenience and response speed."
            ),
            _(
                "4. <b>The wheel</b>: the bot draws the scores as a wheel. Round means a smooth "
                "ride; oval or square means the service bumps."
            ),
            _(
                "5. <b>Plan and repeat</b>: the weakest touchpoints get actions, owners and "
                "dates, and the team re-rates on a schedule to see what moved."
            ),
            "",
            _("<b>In the group</b>"),
            _("/brainstorm [duration] [topic]: start a workshop (e.g. /brainstorm 30m Website)"),
            _("/idea text (or /tp): add touchpoints, one per line; tags #before #during #after"),
            _("/extend [duration], /finish, /cancel: control the current phase"),
            _("/list, /drop N, /merge N M, /rename N text: edit the list"),
            _("/rate [duration]: open a rating round"),
            _("/results, /plan, /history, /export: see and take away the results"),
            _("/assign N @user, /due N date, /done N: run the action plan"),
            _("/schedule weekly|monthly|quarterly|every Nd|off [HH:MM]: re-evaluation"),
            "",
            _("<b>In a private chat with me</b>"),
            _(
                "Rating links from the group open your private rating form here; your "
                "answers are never shown to anyone else."
            ),
        ]
    )


async def start_private(message: Message, command: CommandObject, ctx: AppContext) -> None:
    """A private /start: remember that we may write to this user, then explain."""
    if message.from_user is not None:
        user = message.from_user
        await ctx.store.users.seen(
            user.id, user.username, user.full_name, user.language_code, started=True
        )
    if command.args:
        await message.answer(
            _("This link is not valid or has expired. Ask in your group for a fresh one.")
        )
        return
    text = (
        _("Hello! I run customer-touchpoint workshops in group chats.")
        + "\n\n"
        + help_text()
        + "\n\n"
        + _("To begin, add me to your team's group and send /brainstorm there.")
    )
    rounds = (
        await ctx.store.rounds.open_for_member(message.from_user.id) if message.from_user else []
    )
    markup = None
    if rounds:
        text += "\n\n" + _("<b>Your open rating rounds</b>: tap one to rate.")
        builder = InlineKeyboardBuilder()
        for rnd, label in rounds:
            builder.button(
                text=f"⭐ {shorten(label or '', 40)} · {rnd.number}",
                url=ctx.deep_link(f"{RATE_PREFIX}{rnd.token}"),
            )
        builder.adjust(1)
        markup = builder.as_markup()
    await message.answer(text, reply_markup=markup)


async def start_group(message: Message) -> None:
    """A /start in a group: a short intro."""
    await message.answer(
        _(
            "Hello! I am Touchwheel. I help this team find and rate every place where "
            "customers meet the company. Send /brainstorm to start a workshop, or /help "
            "for how it works."
        )
    )


async def show_help(message: Message) -> None:
    await message.answer(help_text())


async def stale_button(query: CallbackQuery) -> None:
    """Any press no other handler understood: forged, garbled or from an old version."""
    await query.answer(_("This button is no longer valid."), show_alert=True)


def make_router() -> Router:
    router = Router(name="start")
    router.message.register(start_private, CommandStart(), F.chat.type == "private")
    router.message.register(start_group, CommandStart())
    router.message.register(show_help, Command("help"))
    return router


def make_fallback_router() -> Router:
    """Included last: answers every callback nothing else claimed."""
    router = Router(name="stale-buttons")
    router.callback_query.register(stale_button)
    return router
