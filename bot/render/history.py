"""The trend picture: each touchpoint's overall score across rounds on a 0–10 panel, and the
wheel's roundness (0–100) on a panel of its own below it."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patheffects import withStroke

from bot.core.charts import PNG_OPTIONS, HistorySpec, value_text
from bot.core.text import shorten

# Twelve colours that stay apart on white: Okabe & Ito's six (their yellow is too pale and
# their black is the roundness line's) and six of Paul Tol's that differ from those.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#882255",
    "#117733",
    "#332288",
    "#999933",
    "#AA4499",
    "#44AA99",
)
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "p", "h", "*")
COLOR_ROUNDNESS = "#111827"

DPI = 100
WIDTH_IN = 10.0
LEFT_IN, RIGHT_IN = 0.8, 0.5
TITLE_IN = 0.8
SCORES_IN = 4.6
GAP_IN = 0.3
ROUNDNESS_IN = 1.3
TICKS_IN = 0.65  # the rounds' names under the lower panel
LEGEND_ROW_IN = 0.25
MARKER_SIZE = 7
# Points of one round closer than this (in score units on the 0–10 panel) would hide one
# another: they are moved apart sideways.
CLASH = 0.45
DODGE_PX = 14.0
VALUE_SIZE = 8.5
VALUE_GAP_PX = 14.0  # the least vertical distance between two value labels of one round
LABEL_GAP_PX = 16.0  # from the outermost point of a round to its value labels (past a ring)


def line_style(index: int) -> dict[str, Any]:
    """Colour, marker and dash for the index-th touchpoint: the first twelve differ in colour
    and in marker alike and are all solid; past twelve the dash tells lines apart too."""
    return {
        "color": PALETTE[index % len(PALETTE)],
        "marker": MARKERS[index % len(MARKERS)],
        "linestyle": ("-", "--", ":")[index // len(PALETTE) % 3],
    }


def dodge(values: Sequence[float | None], clash: float = CLASH) -> list[float]:
    """Sideways offsets (in steps, 0 = in place) for one round's points: points closer than
    `clash` to a neighbour form a group whose members are spread evenly around the round."""
    order = sorted((v, i) for i, v in enumerate(values) if v is not None)
    offsets = [0.0] * len(values)
    group: list[int] = []
    last: float | None = None
    for value, index in [*order, (math.inf, -1)]:
        if last is not None and value - last >= clash:
            for k, member in enumerate(group):
                offsets[member] = k - (len(group) - 1) / 2
            group = []
        group.append(index)
        last = value
    return offsets


def spread(positions: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions (any unit) moved apart to at least `gap` from each other, kept within
    [low, high] where they fit, each as near its own point as that allows."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for k in range(1, len(placed)):
        placed[k] = max(placed[k], placed[k - 1] + gap)
    overflow = placed[-1] - high if placed else 0.0
    if overflow > 0:
        placed[-1] -= overflow
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    if placed and placed[0] < low:
        shift = low - placed[0]
        placed = [p + shift for p in placed]
    out = [0.0] * len(positions)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def render_history(spec: HistorySpec) -> bytes:
    """A PNG 1000 px wide (about 900 tall, more with a long legend), drawn with the object
    API, safe in a worker thread."""
    entries = len(spec.series) + (1 if spec.done_label else 0)
    columns = 2 if entries <= 16 else 3
    legend_in = LEGEND_ROW_IN * math.ceil(entries / columns) + 0.2
    height_in = TITLE_IN + SCORES_IN + GAP_IN + ROUNDNESS_IN + TICKS_IN + legend_in
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    left = LEFT_IN / WIDTH_IN
    width = 1 - (LEFT_IN + RIGHT_IN) / WIDTH_IN
    low_bottom = (legend_in + TICKS_IN) / height_in
    top_bottom = low_bottom + (ROUNDNESS_IN + GAP_IN) / height_in
    scores = fig.add_axes((left, top_bottom, width, SCORES_IN / height_in))
    trend = fig.add_axes((left, low_bottom, width, ROUNDNESS_IN / height_in), sharex=scores)

    count = len(spec.rounds)
    xs = list(range(1, count + 1))
    scores.set_xlim(0.5, count + 0.5)
    px_per_x = WIDTH_IN * width * DPI / count
    px_per_score = SCORES_IN * DPI / 10

    # Points of one round that would hide one another move apart sideways.
    shift: list[list[float]] = [[0.0] * count for _ in spec.series]
    for r in range(count):
        offsets = dodge([s.values[r] for s in spec.series])
        widest = max(offsets) - min(offsets) if offsets else 0.0
        # A crowd of points spreads over at most 40 % of the distance between two rounds.
        step = min(DODGE_PX, 0.4 * px_per_x / widest) if widest else 0.0
        for k, offset in enumerate(offsets):
            shift[k][r] = offset * step / px_per_x

    handles: list[Artist] = []
    labels: list[str] = []
    for index, series in enumerate(spec.series):
        style = line_style(index)
        points = [
            (x + shift[index][i], v)
            for i, (x, v) in enumerate(zip(xs, series.values, strict=True))
            if v is not None
        ]
        if not points:
            continue
        (line,) = scores.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            linewidth=2,
            markersize=MARKER_SIZE,
            zorder=3,
            **style,
        )
        handles.append(line)
        labels.append(shorten(series.label, 60 if columns == 2 else 40))
        # The round first rated after the line's action was done: a ring round its point and
        # a ✓ beside it, in the line's colour.
        for i in series.done:
            value = series.values[i]
            if value is None:
                continue
            x = xs[i] + shift[index][i]
            scores.plot(
                [x],
                [value],
                marker="o",
                markersize=17,
                markerfacecolor="none",
                markeredgecolor=style["color"],
                markeredgewidth=2.2,
                zorder=5,
            )
            # On the side away from the round's value labels.
            right = i != count - 1
            scores.annotate(
                "✓",
                (x, value),
                xytext=(9 if right else -9, 9),
                textcoords="offset pixels",
                ha="left" if right else "right",
                va="bottom",
                color=style["color"],
                fontsize=14,
                weight="bold",
                zorder=6,
                path_effects=[withStroke(linewidth=3, foreground="white")],
            )
    _value_labels(scores, spec, xs, shift, px_per_x, px_per_score)

    scores.set_ylim(0, 10)
    scores.set_yticks(range(0, 11, 2))
    scores.set_ylabel(spec.score_axis)
    scores.grid(color="#e5e7eb")
    scores.tick_params(labelbottom=False)
    scores.set_xticks(xs)

    points = [(x, v) for x, v in zip(xs, spec.roundness, strict=True) if v is not None]
    trend.plot(
        [p[0] for p in points],
        [p[1] for p in points],
        color=COLOR_ROUNDNESS,
        linewidth=2.2,
        marker="s",
        markersize=6,
    )
    for x, value in points:
        trend.annotate(
            value_text(value, spec.locale, 0),
            (x, value),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9.5,
            weight="bold",
            color=COLOR_ROUNDNESS,
        )
    trend.set_ylim(0, 125)  # room for the value above a 100
    trend.set_yticks([0, 50, 100])
    trend.set_ylabel(spec.roundness_label)
    trend.grid(color="#e5e7eb")
    trend.set_xticks(xs)
    trend.set_xticklabels(list(spec.rounds))

    fig.suptitle(spec.title, fontsize=17, weight="bold", y=1 - 0.25 / height_in)
    if spec.done_label:
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=13,
                markerfacecolor="none",
                markeredgecolor=COLOR_ROUNDNESS,
                markeredgewidth=2,
            )
        )
        labels.append(spec.done_label)
    if handles:
        fig.legend(
            handles,
            labels,
            loc="lower left",
            ncol=columns,
            frameon=False,
            fontsize=9.5,
            bbox_to_anchor=(left - 0.02, 0.1 / height_in),
        )
    buffer = io.BytesIO()
    # Telegram re-encodes photos anyway: a lighter PNG compression halves the encode time
    # for about 10% more bytes.
    canvas.print_png(buffer, pil_kwargs=PNG_OPTIONS)  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def _value_labels(
    ax: Axes,
    spec: HistorySpec,
    xs: Sequence[int],
    shift: list[list[float]],
    px_per_x: float,
    px_per_score: float,
) -> None:
    """Each point's score beside it in its line's colour: to the right in the last round,
    to the left before; the labels of one round moved apart so none covers another."""
    last = len(xs) - 1
    for r, x in enumerate(xs):
        shown = [(k, s.values[r]) for k, s in enumerate(spec.series) if s.values[r] is not None]
        if not shown:
            continue
        wanted = [v * px_per_score for _, v in shown if v is not None]
        placed = spread(wanted, VALUE_GAP_PX, 6.0, 10 * px_per_score - 6.0)
        right = r == last
        # Beside the outermost point of the round (moved-apart points and done rings too).
        dodged = [shift[k][r] * px_per_x for k, _ in shown]
        side = max(dodged) + LABEL_GAP_PX if right else min(dodged) - LABEL_GAP_PX
        for (k, value), y_px in zip(shown, placed, strict=True):
            assert value is not None
            ax.annotate(
                value_text(value, spec.locale),
                (x, value),
                xytext=(side, y_px - value * px_per_score),
                textcoords="offset pixels",
                ha="left" if right else "right",
                va="center",
                fontsize=VALUE_SIZE,
                weight="bold",
                color=line_style(k)["color"],
                zorder=7,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
            )
