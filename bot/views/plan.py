"""The action plan as the group sees it, after the results and on /plan, with its buttons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import replace
from html import escape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.core.playbook import Playbook
from bot.i18n import N_
from bot.views.callbacks import PlanAction, PlanOp
from bot.views.common import criterion_name, num
from bot.views.effect import local_date
from bot.views.results import owner_due_text
from storage.models import PlanItem, User

CHANNEL_COLUMNS = 2


def shown(items: Sequence[PlanItem], every: bool) -> list[PlanItem]:
    """The short plan (and anything the team already took on, unless its spoke recovered
    above the short plan's line), or every spoke."""
    return [
        i for i in items if every or i.short or ((i.owner_id or i.due_date) and not i.recovered)
    ]


def history_text(item: PlanItem, zone: str, current: int | None) -> str:
    """ "✅ 28 Nov 2026 · 🔁 since round 1": when the item was done, and the round it was made
    in when that is an earlier one (carried over); nothing for an item made in this round."""
    parts = []
    if item.done_at is not None:
        parts.append("✅ " + local_date(item.done_at, zone))
    if item.made_round is not None and current is not None and item.made_round < current:
        parts.append(_("🔁 since round {n}").format(n=item.made_round))
    return " · ".join(parts)


def plan_lines(
    items: Sequence[PlanItem],
    texts: Mapping[int, str],
    owners: Mapping[int, User],
    today: str,
    *,
    every: bool = False,
    unsure: Set[int] = frozenset(),
    zone: str = "UTC",
    current: int | None = None,
) -> list[str]:
    """Weakest first: the score, the weakest criterion, the action, then owner, date,
    status, when it was done and the round it was made in (`current`: this plan's round)
    when the item has any of these; the items with no owner nor date are named once, at the
    end. An item whose channel is unclear (`unsure`: item ids) says so and gets general
    advice."""
    listed = shown(items, every)
    head = _("🛠 <b>Action plan</b>: every spoke") if every else _("🛠 <b>Action plan</b>")
    lines = [head]
    for item in listed:
        text = escape(texts.get(item.touchpoint_id, "?"))
        if item.score is None:
            lines.append(f"{item.number}. <b>{text}</b>")
        else:
            weakest = "—" if item.weakest_score is None else num(item.weakest_score)
            # A carried item keeps the action it was given: its criterion may no longer be
            # the spoke's weakest, so it is named as what the action works on.
            carried = current is not None and (item.made_round or current) < current
            template = (
                _("{n}. <b>{text}</b> — {overall}, the action works on: {criterion} {value}")
                if carried
                else _("{n}. <b>{text}</b> — {overall}, weakest: {criterion} {value}")
            )
            lines.append(
                template.format(
                    n=item.number,
                    text=text,
                    overall=num(item.score),
                    criterion=criterion_name(item.criterion).lower(),
                    value=weakest,
                )
            )
        own = " ✍️" if item.own_action else ""
        if item.id in unsure:
            lines.append(_(CHANNEL_UNCLEAR))
        lines.append(f"→ {escape(item.action)}{own}")
        status = owner_due_text(replace(item, done_at=None), owners)
        if item.due_date and item.due_date < today and item.done_at is None:
            status = (status + " " if status else "") + _("⏰ overdue")
        extra = " · ".join(part for part in (status, history_text(item, zone, current)) if part)
        if extra:
            lines.append(extra)
    lines.append("")
    hidden = len(items) - len(listed)
    if hidden:
        lines.append(
            _("The weakest {shown} of {total} spokes; /plan all shows every one.").format(
                shown=len(listed), total=len(items)
            )
        )
    bare = [str(i.number) for i in listed if not (i.owner_id or i.due_date) and i.done_at is None]
    if bare:
        lines.append(_("No owner or date yet: {items}.").format(items=", ".join(bare)))
    lines.append(_("/assign N @user, /due N 2w, /done N; your own action: /action N text."))
    return lines


def plan_keyboard(
    items: Sequence[PlanItem], *, every: bool = False, unsure: Set[int] = frozenset()
) -> InlineKeyboardMarkup:
    """Under each open item: another suggestion, or set the channel (first, where the
    channel is unclear)."""
    rows = []
    for item in shown(items, every):
        if item.done_at is not None:
            continue
        another = InlineKeyboardButton(
            text=f"{item.number} · 🔄 " + _("Another action"),
            callback_data=PlanAction(op=PlanOp.NEXT, item=item.id, all=int(every)).pack(),
        )
        channel = InlineKeyboardButton(
            text=f"{item.number} · 🏷 " + _("Channel"),
            callback_data=PlanAction(op=PlanOp.PICK, item=item.id, all=int(every)).pack(),
        )
        rows.append([channel, another] if item.id in unsure else [another, channel])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def channel_keyboard(
    item: PlanItem, playbook: Playbook, locale: str, *, every: bool
) -> InlineKeyboardMarkup:
    """The channel types to file item under (the current one ticked), and back."""
    buttons = [
        InlineKeyboardButton(
            text=("✓ " if channel.name == item.channel else "") + channel.label(locale),
            callback_data=PlanAction(op=PlanOp.SET, item=item.id, ch=index, all=int(every)).pack(),
        )
        for index, channel in enumerate(playbook.channels)
    ]
    rows = [buttons[i : i + CHANNEL_COLUMNS] for i in range(0, len(buttons), CHANNEL_COLUMNS)]
    back = PlanAction(op=PlanOp.BACK, item=item.id, all=int(every)).pack()
    rows.append([InlineKeyboardButton(text="← " + _("Back"), callback_data=back)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def channel_set(number: int, label: str) -> str:
    return _("Item {n} is now filed under {channel}.").format(n=number, channel=label)


def action_set(number: int) -> str:
    return _("Item {n} now has your own action; it stays on the plan for the next round.").format(
        n=number
    )


CHANNEL_UNCLEAR = N_(
    "🏷 Which channel is this? Pick it below for advice that fits; until then, a general step:"
)
ACTION_USAGE = N_("Usage: /action N followed by your own action, N being the number from /plan.")
