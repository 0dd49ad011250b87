"""Results as the group sees them: the wheel's spec, the caption, the ranking, the plan."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.core.charts import Spoke, WheelSpec
from bot.core.effect import Effect, Past
from bot.core.scoring import Answer, RoundScore, SpokeScore, Verdict
from bot.core.text import shorten
from bot.domain import CRITERIA, Stage
from bot.i18n import N_
from bot.views.common import criterion_name, show_date, user_label
from storage.models import PlanItem, Round, RoundItem, User, Workshop

TABLE_NAME_WIDTH = 16
SIDE_WIDTH = 7  # "Team" and "Customers" columns: "Команда", "Klanten"
WHEEL_TITLE_NAME_WIDTH = 44  # the picture's title fits one line at 19 pt


@dataclass(frozen=True, slots=True)
class Results:
    """One closed round, scored, with the round before it for comparison."""

    ws: Workshop
    rnd: Round
    items: tuple[RoundItem, ...]
    score: RoundScore
    answers: tuple[Answer, ...]
    previous: dict[int, float]
    previous_roundness: float | None
    chat_title: str
    zone: str
    customer_min: int = 3
    # What the plan of the round before did (None: no plan before), and that plan's items.
    effect: Effect | None = None
    previous_plan: tuple[Past, ...] = ()

    @property
    def with_customers(self) -> bool:
        """Customers rated and enough of them for their view to count."""
        return self.score.customer_raters > 0 and not self.score.customers_hidden

    def spoke(self, item: RoundItem) -> SpokeScore:
        return self.score.spokes[item.position - 1]


def verdict_text(score: RoundScore) -> str:
    texts = {
        Verdict.ROUND: _("round — a smooth ride"),
        Verdict.OVAL: _("oval — the ride wobbles"),
        Verdict.BUMPY: _("bumpy — the service jolts customers"),
    }
    text = texts[score.verdict]
    if score.slow and score.verdict is Verdict.ROUND:
        text += " " + _("(but small — it rolls evenly, yet slowly)")
    return text


def delta_text(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    change = now - before
    if abs(change) < 0.05:
        return "＝"
    return f"▲ +{change:.1f}" if change > 0 else f"▼ −{abs(change):.1f}"


def title(results: Results, name_width: int = 200) -> str:
    """The topic (or the chat's title), the round number and the day the round closed."""
    closed = results.rnd.closed_at or results.rnd.deadline
    date = closed.astimezone(ZoneInfo(results.zone)).strftime("%d.%m.%Y")
    name = shorten(results.ws.topic or results.chat_title or "Touchwheel", name_width)
    return f"{name} · " + _("round {n}").format(n=results.rnd.number) + f" · {date}"


def caption(results: Results) -> str:
    score = results.score
    lines = [
        f"🛞 <b>{escape(title(results))}</b>",
        _("Roundness {index}/100: {verdict}").format(
            index=round(score.roundness), verdict=verdict_text(score)
        ),
        _("{raters} rated · mean score {mean:.1f}").format(raters=score.raters, mean=score.mean),
    ]
    customers = customers_line(results)
    if customers:
        lines.append(customers)
    if results.previous_roundness is not None:
        lines.append(
            _("Roundness trend: {before} → {now}").format(
                before=round(results.previous_roundness), now=round(score.roundness)
            )
        )
    return "\n".join(lines)


def customers_line(results: Results) -> str:
    """How many customers rated and what their view weighs ("" when none did)."""
    score = results.score
    if not score.customer_raters:
        return ""
    count = ngettext("{n} customer rated", "{n} customers rated", score.customer_raters).format(
        n=score.customer_raters
    )
    if score.customers_hidden:
        return "🗣 " + _("{count}: their view counts from {min}, so it is kept back.").format(
            count=count, min=results.customer_min
        )
    return "🗣 " + _("{count} · their view weighs {share} % of the score").format(
        count=count, share=round(score.customer_weight * 100)
    )


GAP_SHOWN_FROM = 1.0
GAPS_SHOWN = 3


def gap_lines(results: Results, name: Callable[[str], str] = escape) -> list[str]:
    """The widest perception gaps, with both numbers ([] without customers' view); `name`
    makes a touchpoint's text safe for the message (HTML by default)."""
    if not results.with_customers:
        return []
    by_id = {i.touchpoint_id: i for i in results.items}
    wide = [s for s in results.score.gaps if abs(s.gap or 0.0) >= GAP_SHOWN_FROM][:GAPS_SHOWN]
    lines = [_("🔍 <b>Perception gap</b>: customers and the team")]
    if not wide:
        lines.append(_("The team and customers agree within a point on every touchpoint."))
        return lines
    for spoke in wide:
        item = by_id[spoke.touchpoint_id]
        text = (
            _("{n}. {name}: the team gives {team:.1f}, customers {customers:.1f} ({gap})")
            if (spoke.gap or 0.0) < 0
            else _("{n}. {name}: customers give {customers:.1f}, the team {team:.1f} ({gap})")
        )
        lines.append(
            "• "
            + text.format(
                n=item.number,
                name=name(item.text),
                team=spoke.team or 0.0,
                customers=spoke.customer or 0.0,
                gap=f"{spoke.gap:+.1f}".replace("-", "−"),
            )
        )
    return lines


def rated_line(score: RoundScore) -> str:
    """ "5 people rated · roundness 66/100: bumpy — …": the wheel's subtitle and the report's."""
    people = ngettext("{n} person rated", "{n} people rated", score.raters)
    roundness = _("roundness {index}/100: {verdict}")
    return (
        people.format(n=score.raters)
        + " · "
        + roundness.format(index=round(score.roundness), verdict=verdict_text(score))
    )


def wheel_spec(results: Results) -> WheelSpec:
    score = results.score
    done = results.effect.done_ids() if results.effect else set()
    spokes = [
        Spoke(
            number=item.number,
            label=item.text,
            stage=item.stage,
            value=results.spoke(item).overall,
            previous=results.previous.get(item.touchpoint_id),
            customer=results.spoke(item).customer if results.with_customers else None,
            team=results.spoke(item).team if results.with_customers else None,
            done=item.touchpoint_id in done,
        )
        for item in results.items
    ]
    team_legend = (
        _("Overall: customers {share} %, team {rest} %").format(
            share=round(score.customer_weight * 100),
            rest=100 - round(score.customer_weight * 100),
        )
        if results.with_customers
        else _("Team")
    )
    return WheelSpec(
        title=title(results, WHEEL_TITLE_NAME_WIDTH),
        subtitle=rated_line(score),
        spokes=spokes,
        mean=score.mean if score.ranking else None,
        stage_names={
            Stage.BEFORE: _("before the purchase"),
            Stage.DURING: _("during the purchase"),
            Stage.AFTER: _("after the purchase"),
        },
        legend_team=team_legend,
        legend_previous=_("Previous round"),
        legend_customer=_("Customers"),
        legend_team_only=_("Team alone"),
        legend_mean=_("Mean: a round wheel at this level"),
        legend_done=_("Action done since the last round") if done else "",
    )


def _cell(value: float | None, width: int = 4) -> str:
    return f"{'—':>{width}}" if value is None else f"{value:>{width}.1f}"


def table_lines(results: Results) -> list[str]:
    """The ranking as a monospace table, numbered like the list and the spokes: the three
    criteria, or, once customers rated, the team, the customers and both side by side."""
    abbrev = [_("S"), _("C"), _("R")]
    sides = [_("Team"), _("Cust")]
    name_head, all_head = _("Touchpoint"), _("All")
    compare = bool(results.previous)
    customers = results.with_customers
    heads, width = (sides, SIDE_WIDTH) if customers else (abbrev, 4)
    header = (
        f"{'#':>2} {name_head:<{TABLE_NAME_WIDTH}} "
        + " ".join(f"{a[:width]:>{width}}" for a in heads)
        + f" {all_head:>4} {'n':>2}"
        + ("   Δ" if compare else "")
    )
    rows = [header]
    by_id = {i.touchpoint_id: i for i in results.items}
    ranked = list(results.score.ranking) + [s for s in results.score.spokes if s.overall is None]
    for spoke in ranked:
        item = by_id[spoke.touchpoint_id]
        means = (
            [spoke.team, spoke.customer]
            if customers
            else [spoke.criteria[c].mean for c in CRITERIA]
        )
        cells = " ".join(_cell(m, width) for m in means)
        overall = _cell(spoke.overall)
        # The whole name, wrapped under itself: two names that start alike stay apart.
        name = textwrap.wrap(item.text, TABLE_NAME_WIDTH, break_long_words=True) or [""]
        row = f"{item.number:>2} {name[0]:<{TABLE_NAME_WIDTH}} {cells} {overall} {spoke.raters:>2}"
        if compare:
            row += " " + delta_text(spoke.overall, results.previous.get(spoke.touchpoint_id))
        if spoke.disagreement:
            row += " ⚠"
        rows.append(escape(row))
        rows.extend(escape(f"{'':>2} {more}") for more in name[1:])
    lines = [_("📊 <b>Ranking</b>"), "<pre>" + "\n".join(rows) + "</pre>"]
    if customers:
        lines.append(
            _(
                "{team} the team · {cust} customers · {all} both, customers weighing {share} % "
                "· n team raters · ⚠ the team disagrees here: talk it through"
            ).format(
                team=sides[0][:SIDE_WIDTH],
                cust=sides[1][:SIDE_WIDTH],
                all=all_head,
                share=round(results.score.customer_weight * 100),
            )
        )
        lines.append("")
        lines.extend(gap_lines(results))
        return lines
    lines.append(
        _(
            "{s} simplicity · {c} convenience · {r} response speed · n raters · ⚠ the team "
            "disagrees here: talk it through"
        ).format(s=abbrev[0], c=abbrev[1], r=abbrev[2])
    )
    return lines


def owner_due_text(entry: PlanItem, owners: Mapping[int, User]) -> str:
    """ "👤 @bob · 📅 01.12.2026 · ✅": whatever the plan item has of these."""
    parts = []
    if entry.owner_id and entry.owner_id in owners:
        parts.append("👤 " + escape(user_label(owners[entry.owner_id])))
    if entry.due_date:
        parts.append("📅 " + show_date(entry.due_date))
    if entry.done_at:
        parts.append("✅")
    return " · ".join(parts)


def plan_lines(
    results: Results, plan: Sequence[PlanItem], owners: Mapping[int, User]
) -> list[str]:
    """The plan under the ranking: weakest first, the action, owner and date."""
    by_id = {i.touchpoint_id: i for i in results.items}
    lines = [_("🛠 <b>Action plan</b>, weakest first:")]
    for entry in plan:
        item = by_id.get(entry.touchpoint_id)
        if item is None:
            continue
        spoke = results.spoke(item)
        weakest = spoke.criteria[entry.criterion].mean
        head = _("{n}. <b>{text}</b>: {overall:.1f}, weakest: {criterion} ({value})").format(
            n=entry.number,
            text=escape(item.text),
            overall=spoke.overall or 0.0,
            criterion=criterion_name(entry.criterion).lower(),
            value="—" if weakest is None else f"{weakest:.1f}",
        )
        lines.append(head)
        lines.append(f"   → {escape(entry.action)}")
        extra = owner_due_text(entry, owners)
        if extra:
            lines.append(f"   {extra}")
    lines.append("")
    lines.append(_("Give each item an owner and a date: /assign N @user, /due N 2w, /done N."))
    return lines


HIDDEN = N_("The results of the last round are hidden: too few people rated.")


def again_later(command: str, seconds: float) -> str:
    """ "/export was just sent here; please try again in 42 seconds." """
    left = max(1, math.ceil(seconds))
    if left <= 90:
        wait = ngettext("in {n} second", "in {n} seconds", left).format(n=left)
    else:
        minutes = math.ceil(left / 60)
        wait = ngettext("in {n} minute", "in {n} minutes", minutes).format(n=minutes)
    return _("{command} was just sent here; please try again {wait}.").format(
        command=command, wait=wait
    )
