"""What the pictures say, in the chat's language: the wheel's stage names and number format,
the history chart's texts, and the order of its lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from aiogram.utils.i18n import gettext as _

from bot.core import localized
from bot.core.charts import HistorySpec, Series, WheelSpec
from bot.domain import Stage
from bot.views.common import current_locale
from bot.views.followup import Trend
from bot.views.results import Results, wheel_spec


def stage_names() -> dict[Stage, str]:
    """The journey stages on the wheel's band, in words that fit any business: a clinic, a
    shop, a town hall."""
    return {
        Stage.BEFORE: _("before the service"),
        Stage.DURING: _("during the service"),
        Stage.AFTER: _("after the service"),
    }


def wheel(results: Results) -> WheelSpec:
    """The wheel's spec, its stages named for any business and its numbers in the current
    language."""
    return replace(
        wheel_spec(results),
        stage_names=stage_names(),
        stage_none=_("no stage"),
        locale=current_locale(),
    )


def in_list_order(series: Trend, computed: Sequence[Results]) -> Trend:
    """The trend's lines by the touchpoints' list numbers (1, 2, 3…), as everywhere else."""
    numbers = {i.touchpoint_id: i.number for res in computed for i in res.items}
    return dict(sorted(series.items(), key=lambda entry: numbers.get(entry[0], 0)))


def round_label(number: int, closed: datetime) -> str:
    """The history chart's name of a round: "Round 2" over "16 Dec"."""
    day = localized.day(closed, current_locale(), year=False)
    return _("Round {n}").format(n=number) + "\n" + day


def history(
    name: str,
    labels: list[str],
    series: Trend,
    roundness: list[float],
    done: Mapping[int, Sequence[int]] | None = None,
) -> HistorySpec:
    """The trend chart: one line per touchpoint in list order, the roundness on its own
    panel; ✓ on a line at the first round after its action was done (`done`: touchpoint ->
    indices of rounds)."""
    done = done or {}
    return HistorySpec(
        title=name + " · " + _("history"),
        rounds=labels,
        series=[Series(text, values, done.get(tp, ())) for tp, (text, values) in series.items()],
        roundness=roundness,
        score_axis=_("Overall score"),
        roundness_label=_("Roundness"),
        done_label="✓ " + _("Rated after its action was done") if any(done.values()) else "",
        locale=current_locale(),
    )
