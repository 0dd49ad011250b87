"""What the history chart says, in the chat's language, and the order of its lines (the
wheel's spec is `views.results.wheel_spec`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from aiogram.utils.i18n import gettext as _

from bot.core.charts import HistorySpec, Series
from bot.views.common import current_locale, day
from bot.views.followup import Trend
from bot.views.results import Results


def in_list_order(series: Trend, computed: Sequence[Results]) -> Trend:
    """The trend's lines by the touchpoints' list numbers (1, 2, 3…), as everywhere else."""
    numbers = {i.touchpoint_id: i.number for res in computed for i in res.items}
    return dict(sorted(series.items(), key=lambda entry: numbers.get(entry[0], 0)))


def round_label(number: int, closed: datetime) -> str:
    """The history chart's name of a round: "Round 2" over "16 Dec"."""
    return _("Round {n}").format(n=number) + "\n" + day(closed, year=False)


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
