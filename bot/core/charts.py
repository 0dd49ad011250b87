"""What the pictures show, as plain records: built by the views, drawn by the renderers.

Nothing here imports matplotlib, so the bot's main process never loads it; only the render
worker does (bot.render.wheel, bot.render.history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain import Stage

PNG_OPTIONS = {"compress_level": 3}


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


@dataclass(frozen=True, slots=True)
class Series:
    label: str
    values: Sequence[float | None]
    done: Sequence[int] = ()  # indices of the rounds first rated after its action was done


@dataclass(frozen=True, slots=True)
class HistorySpec:
    title: str
    rounds: Sequence[str]  # x labels, e.g. "1 · 01.11"
    series: Sequence[Series]
    roundness: Sequence[float | None]
    score_axis: str = "Overall score"
    roundness_label: str = "Roundness (right axis)"
    done_label: str = ""  # the legend of the ✓ marks ("": none drawn)
