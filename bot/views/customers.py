"""Customer voice as people see it: the survey link for the facilitator, and what a
customer is told in private."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.domain import Phase
from bot.i18n import N_
from storage.models import Workshop

NO_WORKSHOP = N_("No workshop is running here. Start one with /brainstorm first.")
LINK_SENT = N_(
    "📨 I sent you the customer survey link in private. Forward the text to your customers; "
    "/customers off stops the link."
)
CANNOT_WRITE = N_(
    "I cannot write to you in private yet: open a chat with me, press Start, then send "
    "/customers again."
)
REVOKED = N_(
    "🔒 The customer link is switched off: whoever follows it now is told it is no longer "
    "valid. /customers makes a new one."
)
NO_LINK = N_("There is no customer link to switch off. /customers makes one.")
LINK_GONE = N_(
    "Sorry, this survey link is no longer valid. Ask the company that sent it for a new one."
)
TEAM_MEMBER = N_(
    "This link is for customers, and you are in the team's group: add ideas and rate there."
)
SURVEY_OFF = N_(
    "The team has switched the customer survey off, so this was not taken. Thank you for "
    "your help!"
)
ANONYMOUS_ADMIN = N_(
    "You are writing as the group (an anonymous admin), so I cannot send you the link in "
    "private. Send /customers from your own account: switch off “Remain anonymous” for a "
    "moment, or ask another admin."
)


def _name(ws: Workshop, chat_title: str) -> str:
    return escape(ws.topic or chat_title or "Touchwheel")


def facilitator_link(ws: Workshop, chat_title: str) -> str:
    """The private message with the link and a short text to forward to customers."""
    return "\n".join(
        [
            _("🗣 <b>Customer survey</b> · {name}").format(name=_name(ws, chat_title)),
            _(
                "Customers who follow this link can add touchpoints during the brainstorm and "
                "rate them in the rating round, in a private chat with me. Their names are "
                "never shown; their view is kept apart from the team's and weighted first."
            ),
            _("Forward the next message to your customers."),
        ]
    )


def forward_text(chat_title: str, url: str) -> str:
    """The message a facilitator forwards to customers."""
    return _(
        "Hello! {name} wants to know how easy it is to deal with us. Where do you meet us: "
        "the website, the phone, the office, delivery…? And how easy, convenient and fast "
        "is each? It takes five minutes and your name stays private: {url}"
    ).format(name=escape(chat_title or "Touchwheel"), url=url)


def welcome(ws: Workshop, chat_title: str, deadline: str | None) -> str:
    """A customer followed the link: what they can do now, or when to come back."""
    name = _name(ws, chat_title)
    if ws.phase is Phase.BRAINSTORM:
        lines = [
            _("👋 Thank you for helping {name}!").format(name=name),
            _(
                "Where do you meet us? Send each place on its own line: the website, the "
                "phone line, the shop, delivery, the invoice… Tag the moment if you like: "
                "#before #during #after the purchase."
            ),
            _("The team sees your ideas without your name."),
        ]
        if deadline:
            lines.append(_("Ideas are collected until {end}.").format(end=deadline))
        return "\n".join(lines)
    return between_phases(ws)


def between_phases(ws: Workshop) -> str:
    """When there is nothing for a customer to do right now."""
    if ws.phase is Phase.REVIEW:
        return _(
            "The team is sorting the ideas now. When the rating opens I will write to you "
            "here, so you can rate each touchpoint."
        )
    if ws.phase is Phase.RATING:
        return _("Rating is open: use the buttons in my message above.")
    if ws.phase is Phase.RESULTS:
        return _(
            "Thank you! This round is over. If the team rates again, I will write to you here."
        )
    return _(LINK_GONE)
