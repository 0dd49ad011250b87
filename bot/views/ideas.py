"""What people are told about their ideas: refusals per line, the idea box, usage."""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.core.ideas import MAX_LENGTH, MAX_TOUCHPOINTS, MIN_LENGTH, ParsedLine
from bot.core.text import shorten
from bot.i18n import N_
from bot.views.common import quoted
from storage.models import AddOutcome, Workshop

# Refused lines explained one by one, at most; the rest are counted. Keeps any answer far
# below Telegram's 4096 characters (each note is at most a few hundred).
LINE_NOTES = 10


def capture_notes(
    problems: list[ParsedLine],
    outcome: AddOutcome,
    *,
    for_next_round: bool,
    read: int = 0,
    dropped: int = 0,
) -> str:
    """Why some lines were not added, and what happened to the rest ("" when all is fine).

    `read` lines of the message were taken and `dropped` more were not read at all."""
    notes: list[str] = []
    if dropped:
        notes.append(
            ngettext(
                "Only the first {read} lines of a message are read: {n} more line was not "
                "added. Send it in another message.",
                "Only the first {read} lines of a message are read: {n} more lines were not "
                "added. Send them in another message.",
                dropped,
            ).format(read=read, n=dropped)
        )
    for line in problems[:LINE_NOTES]:
        if line.problem == "too_long":
            notes.append(
                _("{line} is too long: {max} characters at most per touchpoint.").format(
                    line=escape(quoted(shorten(line.text, 40))), max=MAX_LENGTH
                )
            )
        elif line.problem == "no_words":
            notes.append(
                _("{line} has no words: name the place where customers meet you.").format(
                    line=escape(quoted(shorten(line.text, 40)))
                )
            )
        else:
            notes.append(
                _("{line} is too short: at least {min} characters.").format(
                    line=escape(quoted(line.text)), min=MIN_LENGTH
                )
            )
    if len(problems) > LINE_NOTES:
        more = len(problems) - LINE_NOTES
        notes.append(
            ngettext(
                "…and {n} more line like these was not added.",
                "…and {n} more lines like these were not added.",
                more,
            ).format(n=more)
        )
    if outcome.over_limit:
        notes.append(
            _("The list is full ({max} touchpoints), so {n} more were not added.").format(
                max=MAX_TOUCHPOINTS, n=len(outcome.over_limit)
            )
        )
    saved = len(outcome.added) + len(outcome.plus_ones)
    if notes and saved:
        notes.append(ngettext("{n} line is saved.", "{n} lines are saved.", saved).format(n=saved))
    if for_next_round and outcome.added:
        notes.append(_("Added to the list for the next rating round."))
    return "\n".join(notes)


BRAINSTORM_OVER = N_("The brainstorm is over, so this was not added.")


IDEA_USAGE = N_(
    "Write the touchpoints after the command, one per line, e.g.\n"
    "<code>/idea Website chat\nPhone after 18:00 #during</code>"
)


def no_brainstorm_text(ws: Workshop | None) -> str:
    if ws is not None and ws.phase.active:
        return _("The brainstorm is over; new touchpoints are closed.")
    return _("No brainstorm is running here. Start one with /brainstorm.")


def idea_box_open(ws: Workshop) -> str:
    title = escape(ws.topic) if ws.topic else _("the brainstorm")
    return _(
        "🤫 Your private idea box for {title} is open. Send touchpoints here, one per "
        "line; they appear on the group's board without your name."
    ).format(title=title)


def slow_down(seconds: int) -> str:
    """A person sends ideas faster than the bot takes them."""
    return _("Thank you! That is a lot at once: please try again in {seconds} s.").format(
        seconds=seconds
    )


NOT_IN_GROUP = N_(
    "Sorry, this idea box is for members of the group that runs the brainstorm. Ask to be "
    "added to the group first."
)


NO_IDEA_BOX = N_(
    "To add touchpoints, open the private idea box from your group's board, or "
    "use /idea in the group. /help explains the rest."
)
