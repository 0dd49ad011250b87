"""/start and /help: what the bot is, how a workshop goes, and the command menus."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import BotCommand, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.text import shorten
from bot.i18n import N_
from storage.models import Round

PRIVATE_COMMANDS = (
    ("start", N_("What this bot is and your open rating rounds")),
    ("help", N_("How a workshop goes, and the commands")),
    ("settings", N_("Your language for my messages")),
)
# What every member of a group sees in the menu…
MEMBER_COMMANDS = (
    ("idea", N_("Add touchpoints, one per line")),
    ("list", N_("Show the touchpoints")),
    ("results", N_("Post the latest results again")),
    ("plan", N_("The action plan; /plan all: every spoke")),
    ("history", N_("The trend across rounds")),
    ("export", N_("CSV, report and picture")),
    ("help", N_("How a workshop goes, and the commands")),
)
# …and what the chat's admins see: the facilitator's commands first, then the members'.
GROUP_COMMANDS = (
    ("brainstorm", N_("Start a workshop: /brainstorm [duration] [topic]")),
    ("finish", N_("End the current phase now")),
    ("extend", N_("Add time to the current phase")),
    ("rate", N_("Open a rating round")),
    ("assign", N_("Give a plan item an owner: /assign N @user")),
    ("due", N_("Give a plan item a date: /due N 2w")),
    ("action", N_("Your own action for a plan item: /action N text")),
    ("schedule", N_("Set the re-evaluation schedule")),
    ("customers", N_("A survey link for customers; /customers off stops it")),
    ("settings", N_("Language, time zone, lengths, weights and more")),
    ("cancel", N_("Abandon the workshop")),
    *MEMBER_COMMANDS,
)


def command_menu(i18n: I18n, locale: str, pairs: Sequence[tuple[str, str]]) -> list[BotCommand]:
    """One menu with its descriptions in `locale`."""
    return [
        BotCommand(command=name, description=i18n.gettext(text, locale=locale))
        for name, text in pairs
    ]


def help_text() -> str:
    """The full explanation: what the bot is, the method in five steps and every command."""
    return (
        _("<b>Touchwheel</b> runs a customer-touchpoint workshop right in your group chat.")
        + "\n\n"
        + _how_it_works()
    )


def _how_it_works() -> str:
    return "\n".join(
        [
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
            _("/assign N @user, /due N date, /done N, /action N text: run the action plan"),
            _("/schedule weekly|monthly|quarterly|every Nd|off [HH:MM]: re-evaluation"),
            _("/settings: the chat's language, time zone, lengths, weights (chat admins)"),
            _(
                "/customers: a survey link for customers to add touchpoints and rate them "
                "privately; /customers off stops it"
            ),
            "",
            _("<b>In a private chat with me</b>"),
            _(
                "Rating links from the group open your private rating form here; your "
                "answers are never shown to anyone else."
            ),
        ]
    )


def welcome(
    open_rounds: Sequence[tuple[Round, str, str]],
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A private /start: hello (once), open rounds first, then how it works."""
    hello = _("Hello! I run customer-touchpoint workshops in group chats.")
    rest = (
        _how_it_works()
        + "\n\n"
        + _("To begin, add me to your team's group and send /brainstorm there.")
    )
    if not open_rounds:
        return hello + "\n\n" + rest, None
    text = hello + "\n\n" + _("<b>Your open rating rounds</b>: tap one to rate.") + "\n\n" + rest
    builder = InlineKeyboardBuilder()
    for rnd, label, url in open_rounds:
        builder.button(text=f"⭐ {shorten(label or '', 40)} · {rnd.number}", url=url)
    builder.adjust(1)
    return text, builder.as_markup()


def group_hello() -> str:
    return _(
        "Hello! I am Touchwheel. I help this team find and rate every place where "
        "customers meet the company. Send /brainstorm to start a workshop, or /help "
        "for how it works."
    )
