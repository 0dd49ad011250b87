"""Rating as people see it: the round's group message, the private wizard, the nudges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.clock import format_left
from bot.core.progress import RoundProgress
from bot.core.text import shorten
from bot.core.wizard import progress_bar, step_for, step_of, total_steps
from bot.domain import CRITERIA, Criterion, RoundStatus
from bot.i18n import N_
from bot.views.callbacks import RateAction, RateOp, RoundAction, RoundOp
from bot.views.common import criterion_name, local_time
from storage.models import Round, RoundItem, Workshop

Answers = dict[tuple[int, Criterion], int | None]
View = tuple[str, InlineKeyboardMarkup | None]


def criterion_hint(criterion: Criterion, customer: bool = False) -> str:
    """The question under a criterion: about the customer for the team, about "you" for a
    customer."""
    if customer:
        return {
            Criterion.SIMPLICITY: _(
                "How easy is it for you to find and use, without effort or help?"
            ),
            Criterion.CONVENIENCE: _(
                "How well does it suit you: your time, place and preferred way of contact?"
            ),
            Criterion.SPEED: _("How fast do you get an answer or a result here?"),
        }[criterion]
    hints = {
        Criterion.SIMPLICITY: _(
            "How easy is it for the customer to find and use, without effort or help?"
        ),
        Criterion.CONVENIENCE: _(
            "How well does it suit the customer: their time, place and preferred way of contact?"
        ),
        Criterion.SPEED: _("How fast does the customer get an answer or a result here?"),
    }
    return hints[criterion]


def rate_button(url: str, text: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=text, url=url)
    return builder.as_markup()


def round_message(
    rnd: Round,
    ws: Workshop,
    spokes: int,
    progress: RoundProgress,
    zone: str,
    now: datetime,
    rate_url: str,
) -> View:
    """The group's message for a round: what to do, until when, how many members are done;
    while it is open, the private link and the facilitator's "Close now"."""
    title = _("⭐ <b>Rating round {n}</b>").format(n=rnd.number)
    if ws.topic:
        title += f": {escape(ws.topic)}"
    lines = [title]
    if rnd.status is RoundStatus.OPEN:
        explain = _(
            "Rate {touchpoints} from 0 to 10 on simplicity, convenience and response "
            "speed, in a private chat with me. Nobody sees anyone else's answers."
        )
        count = ngettext("{n} touchpoint", "{n} touchpoints", spokes)
        lines.append(explain.format(touchpoints=count.format(n=spokes)))
        lines.append(
            _("⏰ Until {end} ({left} left)").format(
                end=local_time(rnd.deadline, zone, now),
                left=format_left(max(rnd.deadline - now, timedelta()), ws.locale),
            )
        )
    else:
        lines.append(_("🔒 Closed."))
    lines.append(done_line(progress))
    if rnd.status is not RoundStatus.OPEN:
        return "\n".join(lines), None
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⭐ Rate privately"), url=rate_url)
    _close_button(builder, rnd)
    builder.adjust(1)
    return "\n".join(lines), builder.as_markup()


def done_line(progress: RoundProgress) -> str:
    """ "👥 4 of 6 members done · 1 rating now"."""
    size = progress.group_size
    if size is None:
        line = _("👥 {done} done").format(done=progress.done)
    else:
        line = _("👥 {done} of {members} members done").format(done=progress.done, members=size)
    rating_now = len(progress.rating_now)
    if rating_now:
        line += " · " + _("{n} rating now").format(n=rating_now)
    return line


def _close_button(builder: InlineKeyboardBuilder, rnd: Round) -> None:
    """The facilitator's "Close now" (anyone may tap it; only they are obeyed)."""
    builder.button(text=_("🏁 Close now"), callback_data=RoundAction(op=RoundOp.CLOSE, r=rnd.id))


def close_offer(rnd: Round, progress: RoundProgress, end: str, facilitator: str) -> View:
    """Everyone who started is done, members are missing: the facilitator's one tap. Kept
    up to date while the round runs, so it may also say that someone is rating now."""
    if progress.rating_now:
        text = _("{done}. {facilitator}, close round {n} now, or wait until {end}.")
    else:
        text = _(
            "✅ Everyone who started has finished: {done}. {facilitator}, close round {n} "
            "now, or wait for the others until {end}."
        )
    text = text.format(done=done_line(progress), facilitator=facilitator, n=rnd.number, end=end)
    builder = InlineKeyboardBuilder()
    _close_button(builder, rnd)
    return text, builder.as_markup()


def results_ready(rnd: Round, where: str, link: str | None) -> str:
    """The private line to each rater once the results are out."""
    if link is None:
        return _("📊 The results of rating round {n} are out in {chat}. Thank you!").format(
            n=rnd.number, chat=escape(where)
        )
    return _(
        '📊 The results of rating round {n} are out in {chat}: <a href="{link}">open them</a>. '
        "Thank you!"
    ).format(n=rnd.number, chat=escape(where), link=link)


def customer_invite(end: str) -> str:
    """The private line to a customer when a rating round opens."""
    return _(
        "⭐ The team opened a rating round and would like your view too, until {end}. "
        "Rate each touchpoint 0–10 below; only the team sees the answers, without your name."
    ).format(end=end)


def customer_thanks(rnd: Round) -> str:
    """The private line to a customer once the round closed."""
    return _("🙏 Rating round {n} is closed and your answers were counted. Thank you!").format(
        n=rnd.number
    )


def _title(ws: Workshop) -> str:
    title = _("⭐ <b>Rating</b>")
    if ws.topic:
        title += f" · {escape(ws.topic)}"
    return title


def wizard_step(
    rnd: Round,
    ws: Workshop,
    items: Sequence[RoundItem],
    answers: Answers,
    step: int,
    customer: bool = False,
) -> View:
    """One question: the spoke, the criterion with its hint, 0–10, Back and Skip."""
    total = total_steps(len(items))
    index, criterion = step_of(step)
    item = items[index]
    current = answers.get((item.touchpoint_id, criterion), -1)
    lines = [
        _title(ws),
        _("Touchpoint {k} of {n}:").format(k=index + 1, n=len(items)),
        f"<b>{item.number}. {escape(item.text)}</b>",
        "",
        f"<b>{criterion_name(criterion)}</b>: {criterion_hint(criterion, customer)}",
        "",
        f"{progress_bar(len(answers), total)} {len(answers)}/{total}",
    ]
    # Built directly: the builder deep-copies every button, and this keyboard is redrawn on
    # every tap.
    values = [
        InlineKeyboardButton(
            text=f"•{value}•" if current == value else str(value),
            callback_data=RateAction(op=RateOp.VALUE, r=rnd.id, s=step, v=value).pack(),
        )
        for value in range(11)
    ]
    skip = _("Skip ⏭") if current is not None else _("• Skipped •")
    moves = [
        InlineKeyboardButton(
            text=_("◀ Back"), callback_data=RateAction(op=RateOp.BACK, r=rnd.id, s=step).pack()
        ),
        InlineKeyboardButton(
            text=skip, callback_data=RateAction(op=RateOp.SKIP, r=rnd.id, s=step).pack()
        ),
    ]
    keyboard = [values[:6], values[6:], moves]
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=keyboard)


def wizard_summary(
    rnd: Round, ws: Workshop, items: Sequence[RoundItem], answers: Answers, customer: bool = False
) -> View:
    """The rater's answers; while the round is open, a button per spoke to change them."""
    lines = [_title(ws), _("✅ <b>Your answers</b>"), ""]
    for item in items:
        values = []
        for criterion in CRITERIA:
            value = answers.get((item.touchpoint_id, criterion))
            values.append("—" if value is None else str(value))
        lines.append(f"{item.number}. {escape(shorten(item.text, 60))}: " + " · ".join(values))
    lines.append("")
    lines.append(_("Order: simplicity · convenience · response speed; — means skipped."))
    if rnd.status is not RoundStatus.OPEN:
        lines.append(_("The round is closed. Thank you!"))
        return "\n".join(lines), None
    if customer:
        lines.append(
            _("Thank you! The team sees your answers only together with other customers'.")
        )
    lines.append(_("You can change any answer until the round closes: tap its number."))
    builder = InlineKeyboardBuilder()
    for index, item in enumerate(items):
        builder.button(
            text=f"✏️ {item.number}",
            callback_data=RateAction(
                op=RateOp.CHANGE, r=rnd.id, s=step_for(index, Criterion.SIMPLICITY)
            ),
        )
    builder.adjust(5)
    return "\n".join(lines), builder.as_markup()


# A reminder names this many people at most, in at most this many characters (of
# Telegram's 4,096); the rest are counted.
MAX_NAMED = 30
NAMES_ROOM = 3000


def named(mentions: Sequence[str]) -> str:
    """The people a reminder names, the first few of a long list, and how many more."""
    shown: list[str] = []
    size = 0
    for link in mentions[:MAX_NAMED]:
        size += len(link) + 2
        if size > NAMES_ROOM:
            break
        shown.append(link)
    names = ", ".join(shown)
    rest = len(mentions) - len(shown)
    return _("{names} and {n} more").format(names=names, n=rest) if rest else names


def reminder(
    left: timedelta, locale: str, names: Sequence[str], progress: RoundProgress, rate_url: str
) -> View:
    """The group line: who has not finished (`names`: their mentions; a long list cut
    short), how many members have not started."""
    lines = [_("⏳ Rating closes in {left}.").format(left=format_left(left, locale))]
    if names:
        lines.append(_("Still to finish: {names}").format(names=named(names)))
    if progress.not_started:
        lines.append(
            ngettext(
                "{n} member has not started yet.",
                "{n} members have not started yet.",
                progress.not_started,
            ).format(n=progress.not_started)
        )
    return "\n".join(lines), rate_button(rate_url, _("⭐ Rate privately"))


def nudge(left: timedelta, locale: str, rate_url: str) -> View:
    """The private reminder to someone who started and did not finish."""
    text = _("Your rating is not finished yet; it closes in {left}.").format(
        left=format_left(left, locale)
    )
    return text, rate_button(rate_url, _("⭐ Continue rating"))


def too_few(rnd: Round, count: int, needed: int, extend: timedelta) -> View:
    """The deadline came with fewer raters than needed: the facilitator decides."""
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("⏰ +{n} min").format(n=int(extend.total_seconds() // 60)),
        callback_data=RoundAction(op=RoundOp.EXTEND, r=rnd.id),
    )
    builder.button(
        text=_("📊 Show results anyway"),
        callback_data=RoundAction(op=RoundOp.SHOW, r=rnd.id),
    )
    text = _(
        "Only {count} of the {needed} people needed have rated so far. "
        "Facilitator: give it more time, or show the results anyway?"
    ).format(count=count, needed=needed)
    return text, builder.as_markup()


# --- what the wizard answers ------------------------------------------------------------------


NOT_A_MEMBER = N_(
    "Sorry, this rating is for members of the group that runs it. Ask to be added "
    "to the group first."
)


ROUND_CLOSED = N_("This rating round is closed. /results in the group shows the outcome.")


FORM_INVALID = N_("This rating form is not yours or no longer valid.")


CLOSED_AND_COUNTED = N_("This round is closed; your answers were counted.")


INVALID_ANSWER = N_("That is not a valid answer.")


def saved(value: int | None) -> str:
    return _("Saved: {value}").format(value="—" if value is None else value)
