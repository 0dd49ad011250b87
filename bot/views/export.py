"""What /export sends: the touchpoints and raw answers as CSV, and a Markdown report."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from bot.core import localized
from bot.core.effect import ActionRecord
from bot.core.sheets import Cell, Table
from bot.core.text import plain
from bot.domain import CRITERIA, CUSTOMER, TEAM
from bot.views.common import criterion_name, current_locale, num, stage_label, user_label
from bot.views.plan import shown
from bot.views.results import Results, customers_line, gap_lines, rated_line, title
from storage.models import PlanItem, RoundItem, User

# What people type must not make Markdown in the report: links and images ([x](…), ![](…)),
# raw HTML, emphasis, code, table cells. A backslash makes any of these literal (CommonMark).
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>!|~&#])")


def md(text: str) -> str:
    """User text as literal Markdown on one line."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.splitlines()))


def _one(value: float | None) -> str:
    """A score in the report: 6.3 / 6,3."""
    return "" if value is None else num(value)


def _day(value: date) -> str:
    """A date in the report: 16 Dec 2026 / 16 дек. 2026 / 16 dec 2026."""
    return localized.day(value, current_locale())


def _due(iso: str | None) -> date | None:
    """A stored due date (ISO) as a date cell."""
    return date.fromisoformat(iso) if iso else None


def _local_day(moment: datetime | None, zone: str) -> date | None:
    """A stored moment as the chat's day, a date cell."""
    return moment.astimezone(ZoneInfo(zone)).date() if moment else None


def in_list_order(results: Results) -> list[RoundItem]:
    """The round's touchpoints by their list numbers, as the tables show them (the wheel
    groups them by stage instead)."""
    return sorted(results.items, key=lambda item: item.number)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def touchpoint_table(
    results: Results, plan: Sequence[PlanItem], owners: Mapping[int, User]
) -> Table:
    """One row per spoke: its means, spread, rank and plan entry."""
    by_touchpoint = {p.touchpoint_id: p for p in plan}
    rank = {s.touchpoint_id: n for n, s in enumerate(results.score.ranking, start=1)}
    headers = [
        "#",
        _("Touchpoint"),
        _("Stage"),
        *(criterion_name(c) for c in CRITERIA),
        _("Overall"),
        _("Team"),
        _("Customers"),
        _("Raters"),
        _("Customer raters"),
        _("Spread"),
        _("Disagreement"),
        _("Rank"),
        _("Weakest"),
        _("Action"),
        _("Owner"),
        _("Due"),
    ]
    rows: list[list[Cell]] = []
    for item in in_list_order(results):
        spoke = results.spoke(item)
        entry = by_touchpoint.get(item.touchpoint_id)
        owner = owners.get(entry.owner_id) if entry and entry.owner_id else None
        rows.append(
            [
                item.number,
                item.text,
                stage_label(item.stage),
                *(_round(spoke.criteria[c].mean) for c in CRITERIA),
                _round(spoke.overall),
                _round(spoke.team),
                _round(spoke.customer) if results.with_customers else None,
                spoke.raters,
                spoke.customer_raters if results.with_customers else None,
                _round(max(s.spread for s in spoke.criteria.values())),
                _("yes") if spoke.disagreement else "",
                rank.get(item.touchpoint_id),
                criterion_name(spoke.weakest) if spoke.weakest else "",
                entry.action if entry else "",
                user_label(owner) if owner else "",
                _due(entry.due_date) if entry else None,
            ]
        )
    return headers, rows


def answer_table(results: Results, source: str = TEAM) -> Table:
    """Every answer of the team (or of customers, once enough of them rated), raters shown
    only as R1, R2… (customers C1, C2…) in the order of their ids."""
    headers = [_("Rater"), "#", _("Touchpoint"), _("Criterion"), _("Value")]
    prefix = "C" if source == CUSTOMER else "R"
    if source == CUSTOMER and not results.with_customers:
        return headers, []
    pseudonyms: dict[int, str] = {}
    position = {i.touchpoint_id: i for i in results.items}
    names = {c: criterion_name(c) for c in CRITERIA}
    rows: list[list[Cell]] = []
    mine = [a for a in results.answers if a.source == source]
    # Each rater's answers by list number, the criteria in their usual order.
    for answer in sorted(
        mine,
        key=lambda a: (
            a.rater_id,
            position[a.touchpoint_id].number,
            CRITERIA.index(a.criterion),
        ),
    ):
        alias = pseudonyms.setdefault(answer.rater_id, f"{prefix}{len(pseudonyms) + 1}")
        item = position[answer.touchpoint_id]
        rows.append([alias, item.number, item.text, names[answer.criterion], answer.value])
    return headers, rows


def plan_table(
    plan: Sequence[PlanItem], texts: Mapping[int, str], owners: Mapping[int, User]
) -> Table:
    """Every plan item, weakest first, with the short plan marked."""
    headers = [
        "#",
        _("Touchpoint"),
        _("Overall"),
        _("Weakest"),
        _("Action"),
        _("Short plan: the weakest, shown by /plan"),
        _("Owner"),
        _("Due"),
        _("Done"),
    ]
    rows: list[list[Cell]] = [
        [
            p.number,
            texts.get(p.touchpoint_id, ""),
            _round(p.score),
            criterion_name(p.criterion),
            p.action,
            _("yes") if p.short else "",
            user_label(owners[p.owner_id]) if p.owner_id and p.owner_id in owners else "",
            _due(p.due_date),
            _("yes") if p.done_at else "",
        ]
        for p in plan
    ]
    return headers, rows


def actions_table(
    records: Sequence[ActionRecord],
    names: Mapping[int, tuple[int, str]],
    channels: Mapping[int, str],
    owners: Mapping[int, User],
    zone: str,
) -> Table:
    """Every action of the workshop's plans, oldest first: the item, its channel, action,
    owner, due and done dates, the round it was made in and the first round rated after it
    was done, and its spoke's change since it was made (`names`: touchpoint -> number and
    text; `channels`: touchpoint -> channel name)."""
    headers = [
        "#",
        _("Touchpoint"),
        _("Channel"),
        _("Action"),
        _("Owner"),
        _("Due"),
        _("Done on"),
        _("Round made"),
        _("Round done"),
        _("Spoke change since"),
    ]
    rows: list[list[Cell]] = []
    for record in records:
        item = record.item
        number, text = names.get(item.touchpoint_id, (None, ""))
        owner = owners.get(item.owner_id) if item.owner_id else None
        rows.append(
            [
                number,
                text,
                channels.get(item.touchpoint_id, ""),
                item.action,
                user_label(owner) if owner else "",
                _due(item.due_date),
                _local_day(item.done_at, zone),
                item.made_round,
                record.round_done,
                _round(record.change, 1),
            ]
        )
    return headers, rows


def actions_report(table: Table) -> str:
    """The Actions sheet as a Markdown section ("" without actions)."""
    headers, rows = table
    if not rows:
        return ""

    def cell(value: Cell) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return localized.signed(value, current_locale())
        if isinstance(value, date):
            return _day(value)
        return md(str(value))

    lines = [
        "",
        "## " + _("Actions"),
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def roundness_trend(trend: Sequence[tuple[int, float]]) -> str:
    """ "Roundness: 66 in round 1 → 86 in round 2" ("" for fewer than two rounds)."""
    if len(trend) < 2:
        return ""
    steps = [
        _("{index} in round {n}").format(index=round(index), n=number) for number, index in trend
    ]
    return _("Roundness: {trend}").format(trend=" → ".join(steps))


def plan_entry(item: RoundItem, entry: PlanItem, owners: Mapping[int, User], zone: str) -> str:
    """One item of the report's plan: the spoke, its weakest criterion and the action, then
    who owns it, by when, and whether it is done."""
    parts = [
        f"**{entry.number}. {md(item.text)}** ({criterion_name(entry.criterion)}): "
        + md(entry.action)
    ]
    owner = owners.get(entry.owner_id) if entry.owner_id else None
    if owner is not None:
        parts.append(_("owner: {name}").format(name=md(user_label(owner))))
    due = _due(entry.due_date)
    if due is not None:
        parts.append(_("due: {date}").format(date=_day(due)))
    done = _local_day(entry.done_at, zone)
    if done is not None:
        parts.append(_("done on {date}").format(date=_day(done)))
    return "- " + " · ".join(parts)


def report(
    results: Results,
    plan: Sequence[PlanItem],
    owners: Mapping[int, User] | None = None,
    trend: Sequence[tuple[int, float]] = (),
) -> str:
    """The round in Markdown: verdict, the roundness round by round, the ranking table with
    each spoke's change since the round before, and the plan with owners and due dates
    (`trend`: (round number, roundness) of every round shown so far)."""
    owners = owners or {}
    score = results.score
    compare = bool(results.previous)
    heads = [
        "#",
        _("Touchpoint"),
        *(criterion_name(c) for c in CRITERIA),
        _("Overall"),
        *([_("Change")] if compare else []),
        "n",
    ]
    lines = [
        f"# {md(title(results))}",
        "",
        rated_line(score) + " · " + _("mean score {mean}").format(mean=num(score.mean)),
        "",
    ]
    if trend_line := roundness_trend(trend):
        lines += [trend_line, ""]
    lines += ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    by_id = {i.touchpoint_id: i for i in results.items}
    for spoke in score.ranking:
        ranked = by_id[spoke.touchpoint_id]
        cells = [_one(spoke.criteria[c].mean) for c in CRITERIA]
        flag = " ⚠" if spoke.disagreement else ""
        row = [str(ranked.number), md(ranked.text) + flag, *cells, _one(spoke.overall)]
        if compare:
            before = results.previous.get(spoke.touchpoint_id)
            moved = None if before is None or spoke.overall is None else spoke.overall - before
            row.append("" if moved is None else localized.signed(moved, current_locale()))
        lines.append("| " + " | ".join([*row, str(spoke.raters)]) + " |")
    if results.with_customers:
        lines += ["", "## " + _("Customers and the team"), "", customers_line(results), ""]
        heads = [_("Touchpoint"), _("Team"), _("Customers"), _("Gap")]
        lines += ["| # | " + " | ".join(heads) + " |", "|---|---|---|---|---|"]
        for spoke in score.gaps:
            gapped = by_id[spoke.touchpoint_id]
            gap = localized.signed(spoke.gap or 0.0, current_locale())
            lines.append(
                f"| {gapped.number} | {md(gapped.text)} | {_one(spoke.team)} | "
                f"{_one(spoke.customer)} | {gap} |"
            )
        gaps = gap_lines(results, name=lambda text: escape(md(text)))
        lines += [""] + [plain(line) for line in gaps[1:]]
    lines += ["", "## " + _("Action plan"), ""]
    for entry in shown(plan, every=False):
        item = by_id.get(entry.touchpoint_id)
        if item is not None:
            lines.append(plan_entry(item, entry, owners, results.zone))
    return "\n".join(lines) + "\n"
