"""What /export sends: the touchpoints and raw answers as CSV, and a Markdown report."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from aiogram.utils.i18n import gettext as _

from bot.domain import CRITERIA
from bot.views.common import criterion_name, user_label
from bot.views.results import Results, title, verdict_text
from storage.models import PlanItem, User

TOUCHPOINT_COLUMNS = (
    "spoke",
    "touchpoint",
    "stage",
    "simplicity",
    "convenience",
    "speed",
    "overall",
    "raters",
    "spread",
    "disagreement",
    "rank",
    "weakest",
    "action",
    "owner",
    "due",
)
ANSWER_COLUMNS = ("rater", "spoke", "touchpoint", "criterion", "value", "source")


def _num(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def touchpoints_csv(
    results: Results, plan: Sequence[PlanItem], owners: Mapping[int, User]
) -> bytes:
    """One row per spoke: its means, spread, rank and plan entry."""
    by_touchpoint = {p.touchpoint_id: p for p in plan}
    rank = {s.touchpoint_id: n for n, s in enumerate(results.score.ranking, start=1)}
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(TOUCHPOINT_COLUMNS)
    for item in results.items:
        spoke = results.spoke(item)
        entry = by_touchpoint.get(item.touchpoint_id)
        owner = owners.get(entry.owner_id) if entry and entry.owner_id else None
        writer.writerow(
            [
                item.number,
                item.text,
                item.stage.value,
                *(_num(spoke.criteria[c].mean) for c in CRITERIA),
                _num(spoke.overall),
                spoke.raters,
                _num(max(s.spread for s in spoke.criteria.values())),
                int(spoke.disagreement),
                rank.get(item.touchpoint_id, ""),
                spoke.weakest.value if spoke.weakest else "",
                entry.action if entry else "",
                user_label(owner) if owner else "",
                entry.due_date if entry and entry.due_date else "",
            ]
        )
    return table.getvalue().encode("utf-8")


def answers_csv(results: Results) -> bytes:
    """Every answer, raters shown only as R1, R2… in the order of their ids."""
    raw = io.StringIO()
    writer = csv.writer(raw)
    writer.writerow(ANSWER_COLUMNS)
    pseudonyms: dict[int, str] = {}
    position = {i.touchpoint_id: i for i in results.items}
    for answer in sorted(
        results.answers, key=lambda a: (a.rater_id, position[a.touchpoint_id].position)
    ):
        alias = pseudonyms.setdefault(answer.rater_id, f"R{len(pseudonyms) + 1}")
        item = position[answer.touchpoint_id]
        writer.writerow(
            [
                alias,
                item.number,
                item.text,
                answer.criterion.value,
                "" if answer.value is None else answer.value,
                answer.source,
            ]
        )
    return raw.getvalue().encode("utf-8")


def report(results: Results, plan: Sequence[PlanItem]) -> str:
    """The round in Markdown: verdict, ranking table and the plan."""
    score = results.score
    lines = [
        f"# {title(results)}",
        "",
        _("Round {n}: {raters} rated; roundness {index}/100: {verdict}; mean {mean:.1f}.").format(
            n=results.rnd.number,
            raters=score.raters,
            index=round(score.roundness),
            verdict=verdict_text(score),
            mean=score.mean,
        ),
        "",
        "| # | "
        + _("Touchpoint")
        + " | "
        + " | ".join(criterion_name(c) for c in CRITERIA)
        + " | "
        + _("Overall")
        + " | n |",
        "|---|---|---|---|---|---|---|",
    ]
    by_id = {i.touchpoint_id: i for i in results.items}
    for spoke in score.ranking:
        ranked = by_id[spoke.touchpoint_id]
        cells = " | ".join(_num(spoke.criteria[c].mean, 1) for c in CRITERIA)
        flag = " ⚠" if spoke.disagreement else ""
        lines.append(
            f"| {ranked.number} | {ranked.text.replace('|', '/')}{flag} | {cells} | "
            f"{_num(spoke.overall, 1)} | {spoke.raters} |"
        )
    lines += ["", "## " + _("Action plan"), ""]
    for entry in plan:
        item = by_id.get(entry.touchpoint_id)
        if item is not None:
            lines.append(
                f"- **{entry.number}. {item.text}** ({criterion_name(entry.criterion)})"
                f": {entry.action}"
            )
    return "\n".join(lines) + "\n"
