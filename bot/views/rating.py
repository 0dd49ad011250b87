"""Rating as people see it: the round's group message, the private wizard, the nudges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.core.clock import format_left, format_local
from bot.core.text import shorten
from bot.core.wizard import progress_bar, step_for, step_of, total_steps
from bot.domain import CRITERIA, Criterion, RoundStatus
from bot.i18n import N_
from bot.views.callbacks import RateAction, RateOp, RoundAction, RoundOp
from bot.views.common import criterion_name
from storage.models import Round, RoundItem, Workshop

Answers = dict[tuple[int, Criterion], int | None]
View = tuple[str, InlineKeyboardMarkup | None]


def criterion_hint(criterion: Criterion) -> str:
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
    progress: tuple[int, int],
    zone: str,
    now: datetime,
    rate_url: str,
) -> View:
    """The group's message for a round: what to do, until when, how many are done.

    `progress` is (finished, expected)."""
    done, expected = progress
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
                end=format_local(rnd.deadline, zone),
                left=format_left(max(rnd.deadline - now, timedelta()), ws.locale),
            )
        )
    else:
        lines.append(_("🔒 Closed."))
    lines.append(_("👥 {done} of {expected} done").format(done=done, expected=max(expected, done)))
    markup = None
    if rnd.status is RoundStatus.OPEN:
        markup = rate_button(rate_url, _("⭐ Rate privately"))
    return "\n".join(lines), markup


def _title(ws: Workshop) -> str:
    title = _("⭐ <b>Rating</b>")
    if ws.topic:
        title += f" · {escape(ws.topic)}"
    return title


def wizard_step(
    rnd: Round, ws: Workshop, items: Sequence[RoundItem], answers: Answers, step: int
) -> View:
    """One question: the spoke, the criterion with its hint, 0–10, Back and Skip."""
    total = total_steps(len(items))
    index, criterion = step_of(step)
    item = items[index]
    current = answers.get((item.touchpoint_id, criterion), -1)
    lines = [
        _title(ws),
        _("Touchpoint {k} of {n}:").format(k=index + 1, n=len(items)),
        f"<b>{item.list_number}. {escape(item.text)}</b>",
        "",
        f"<b>{criterion_name(criterion)}</b>: {criterion_hint(criterion)}",
        "",
        f"{progress_bar(len(answers), total)} {len(answers)}/{total}",
    ]
    builder = InlineKeyboardBuilder()
    for value in range(11):
        label = f"•{value}•" if current == value else str(value)
        builder.button(
            text=label, callback_data=RateAction(op=RateOp.VALUE, r=rnd.id, s=step, v=value)
        )
    builder.button(text=_("◀ Back"), callback_data=RateAction(op=RateOp.BACK, r=rnd.id, s=step))
    skip = _("Skip ⏭") if current is not None else _("• Skipped •")
    builder.button(text=skip, callback_data=RateAction(op=RateOp.SKIP, r=rnd.id, s=step))
    builder.adjust(6, 5, 2)
    return "\n".join(lines), builder.as_markup()


def wizard_summary(rnd: Round, ws: Workshop, items: Sequence[RoundItem], answers: Answers) -> View:
    """The rater's answers; while the round is open, a button per spoke to change them."""
    lines = [_title(ws), _("✅ <b>Your answers</b>"), ""]
    for item in items:
        values = []
        for criterion in CRITERIA:
            value = answers.get((item.touchpoint_id, criterion))
            values.append("—" if value is None else str(value))
        lines.append(
            f"{item.list_number}. {escape(shorten(item.text, 60))}: " + " · ".join(values)
        )
    lines.append("")
    lines.append(_("Order: simplicity · convenience · response speed; — means skipped."))
    if rnd.status is not RoundStatus.OPEN:
        lines.append(_("The round is closed. Thank you!"))
        return "\n".join(lines), None
    lines.append(_("You can change any answer until the round closes: tap its number."))
    builder = InlineKeyboardBuilder()
    for index, item in enumerate(items):
        builder.button(
            text=f"✏️ {item.list_number}",
            callback_data=RateAction(
                op=RateOp.CHANGE, r=rnd.id, s=step_for(index, Criterion.SIMPLICITY)
            ),
        )
    builder.adjust(5)
    return "\n".join(lines), builder.as_markup()


def reminder_text(left: timedelta, locale: str, names: str) -> str:
    """The group line naming who has not finished."""
    return _("⏳ Rating closes in {left}. Still to finish: {names}").format(
        left=format_left(left, locale), names=names
    )


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
