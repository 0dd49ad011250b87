"""Results as the group sees them: the wheel's spec, the caption, the ranking, the plan."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.core.charts import Spoke, WheelSpec
from bot.core.effect import Effect, Past
from bot.core.scoring import Answer, RoundScore, SpokeScore, Verdict
from bot.core.text import shorten
from bot.domain import CRITERIA, Criterion, Stage
from bot.i18n import N_
from bot.views.common import current_locale, day, num, show_date, signed, user_label
from storage.models import PlanItem, Round, RoundItem, User, Workshop

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
    return ("▲ " if change > 0 else "▼ ") + signed(change)


def title(results: Results, name_width: int = 200) -> str:
    """The topic (or the chat's title), the round number and the day the round closed."""
    closed = results.rnd.closed_at or results.rnd.deadline
    when = day(closed.astimezone(ZoneInfo(results.zone)))
    name = shorten(results.ws.topic or results.chat_title or "Touchwheel", name_width)
    return f"{name} · " + _("round {n}").format(n=results.rnd.number) + f" · {when}"


def caption(results: Results) -> str:
    score = results.score
    lines = [
        f"🛞 <b>{escape(title(results))}</b>",
        _("Roundness {index}/100: {verdict}").format(
            index=round(score.roundness), verdict=verdict_text(score)
        ),
        ngettext(
            "{n} person rated · mean score {mean}",
            "{n} people rated · mean score {mean}",
            score.raters,
        ).format(n=score.raters, mean=num(score.mean)),
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
            _("{n}. {name}: the team gives {team}, customers {customers} ({gap})")
            if (spoke.gap or 0.0) < 0
            else _("{n}. {name}: customers give {customers}, the team {team} ({gap})")
        )
        lines.append(
            "• "
            + text.format(
                n=item.number,
                name=name(item.text),
                team=num(spoke.team or 0.0),
                customers=num(spoke.customer or 0.0),
                gap=signed(spoke.gap or 0.0),
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


def stage_names() -> dict[Stage, str]:
    """The journey stages on the wheel's band, in words that fit any business: a clinic, a
    shop, a town hall."""
    return {
        Stage.BEFORE: _("before the service"),
        Stage.DURING: _("during the service"),
        Stage.AFTER: _("after the service"),
    }


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
        stage_names=stage_names(),
        stage_none=_("no stage"),
        locale=current_locale(),
        legend_team=team_legend,
        legend_previous=_("Previous round"),
        legend_customer=_("Customers"),
        legend_team_only=_("Team alone"),
        legend_mean=_("Mean: a round wheel at this level"),
        legend_done=_("Action done since the last round") if done else "",
    )


def spoke_numbers(results: Results, spoke: SpokeScore) -> str:
    """A ranking row's numbers: "<b>6.3</b> ▲ +3.0 · S 6.8 C 6.2 R 6.0 ⚠" (the team and the
    customers instead of the criteria once customers rated); at most 32 characters."""
    overall = "—" if spoke.overall is None else num(spoke.overall)
    head = f"<b>{overall}</b>"
    if results.previous:
        change = delta_text(spoke.overall, results.previous.get(spoke.touchpoint_id))
        head += f" {change}" if change else ""
    if results.with_customers:
        parts = [f"👥 {_score(spoke.team)}", f"🗣 {_score(spoke.customer)}"]
    else:
        letters = criterion_letters()
        parts = [" ".join(f"{letters[c]} {_score(spoke.criteria[c].mean)}" for c in CRITERIA)]
    line = " · ".join([head, *parts])
    return line + (" ⚠" if spoke.disagreement else "")


def _score(value: float | None) -> str:
    return "—" if value is None else num(value)


def criterion_letters() -> dict[Criterion, str]:
    """One letter per criterion, in the chat's language (S, C, R; П, У, С; E, G, R)."""
    return {Criterion.SIMPLICITY: _("S"), Criterion.CONVENIENCE: _("C"), Criterion.SPEED: _("R")}


def table_lines(results: Results) -> list[str]:
    """The ranking, numbered like the list and the spokes, for a phone held upright: each
    touchpoint's whole name on a line of its own (no fixed width: it wraps as text does),
    then its overall score, the change since the round before and the three criteria, or,
    once customers rated, the team's and the customers' scores."""
    lines = [_("📊 <b>Ranking</b>")]
    by_id = {i.touchpoint_id: i for i in results.items}
    ranked = list(results.score.ranking) + [s for s in results.score.spokes if s.overall is None]
    for spoke in ranked:
        item = by_id[spoke.touchpoint_id]
        name = f"{item.number}. {escape(item.text)}"
        if spoke.raters != results.score.raters:
            name += " · " + ngettext("{n} rater", "{n} raters", spoke.raters).format(
                n=spoke.raters
            )
        lines.append(name)
        lines.append(spoke_numbers(results, spoke))
    lines.append("")
    if results.with_customers:
        lines.append(
            _(
                "Overall score first (customers weigh {share} % of it), then 👥 the team's "
                "and 🗣 the customers' scores."
            ).format(share=round(results.score.customer_weight * 100))
        )
    else:
        letters = criterion_letters()
        lines.append(
            _(
                "Overall score first, then {s} simplicity, {c} convenience, {r} response speed."
            ).format(
                s=letters[Criterion.SIMPLICITY],
                c=letters[Criterion.CONVENIENCE],
                r=letters[Criterion.SPEED],
            )
        )
    if any(s.disagreement for s in ranked):
        lines.append(_("⚠ the team disagrees here: talk it through."))
    if results.with_customers:
        lines.append("")
        lines.extend(gap_lines(results))
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
