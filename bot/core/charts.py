"""What the pictures show, as plain records: built by the views, drawn by the renderers.

Nothing here imports matplotlib, so the bot's main process never loads it; only the render
worker does (bot.render.wheel, bot.render.history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.core import localized
from bot.domain import Stage

PNG_OPTIONS = {"compress_level": 3}


def value_text(value: float | None, locale: str, digits: int = 1) -> str:
    """A number printed on a picture: 6.3 in English, 6,3 in Russian and Dutch; — for none."""
    return "—" if value is None else localized.number(value, locale, digits)


@dataclass(frozen=True, slots=True)
class Spoke:
    number: int
    label: str
    stage: Stage = Stage.NONE
    value: float | None = None
    previous: float | None = None
    customer: float | None = None
    team: float | None = None  # the team alone, drawn when customers' view is in `value`
    done: bool = False  # its plan item was done since the last round: ✓ before the label


@dataclass(frozen=True, slots=True)
class WheelSpec:
    """Everything the picture shows; texts come translated from the caller."""

    title: str
    subtitle: str
    spokes: Sequence[Spoke]
    mean: float | None = None
    stage_names: dict[Stage, str] = field(default_factory=dict)
    legend_team: str = "Team"
    legend_previous: str = "Previous round"
    legend_customer: str = "Customers"
    legend_team_only: str = "Team alone"
    legend_mean: str = "Mean (a round wheel at this level)"
    legend_done: str = ""  # what ✓ before a label means ("": no spoke has one)
    stage_none: str = "no stage"  # the legend of an untagged spoke's grey band
    locale: str = "en"  # how numbers are written (6.3 / 6,3)


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[float | None]
    done: Sequence[int] = ()  # indices of the rounds first rated after its action was done


@dataclass(frozen=True, slots=True)
class HistorySpec:
    """The trend: one line per touchpoint (in list-number order) on the 0–10 panel, the
    roundness (0–100) on a panel of its own below."""

    title: str
    rounds: Sequence[str]  # x labels, e.g. "Round 1\n16 Dec"
    series: Sequence[Series]
    roundness: Sequence[float | None]
    score_axis: str = "Overall score"
    roundness_label: str = "Roundness"
    done_label: str = ""  # the legend of the ✓ marks ("": none drawn)
    locale: str = "en"  # how numbers are written (6.3 / 6,3)
