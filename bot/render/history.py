"""The trend picture: each touchpoint's overall score across rounds, plus roundness."""

from __future__ import annotations

import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from bot.core.charts import PNG_OPTIONS, HistorySpec
from bot.core.text import shorten

# Okabe & Ito's palette, which stays distinct for every common colour-vision deficiency (its
# yellow is too pale on white and its black is the roundness line's).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def line_style(index: int) -> dict[str, Any]:
    """Colour, marker and dash for the index-th touchpoint: no two of the first 42 alike, and
    the marker alone tells neighbours apart when colours do not."""
    return {
        "color": PALETTE[index % len(PALETTE)],
        "marker": MARKERS[index % len(MARKERS)],
        "linestyle": ("-", "--", ":")[index // len(PALETTE) % 3],
    }


def render_history(spec: HistorySpec) -> bytes:
    """A PNG (about 1000×700) drawn with the object API, safe in a worker thread."""
    fig = Figure(figsize=(10, 7), dpi=100, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.08, 0.22, 0.82, 0.68))
    xs = list(range(1, len(spec.rounds) + 1))
    for index, series in enumerate(spec.series):
        points = [(x, v) for x, v in zip(xs, series.values, strict=True) if v is not None]
        if not points:
            continue
        ax.plot(
            [p[0] for p in points],
            [p[1] for p in points],
            linewidth=2,
            markersize=7,
            label=shorten(series.label, 34),
            **line_style(index),
        )
        # The round first rated after the line's action was done: a ring round its point and
        # a ✓ beside it, in the line's colour.
        color = line_style(index)["color"]
        for i in series.done:
            value = series.values[i]
            if value is None:
                continue
            ax.plot(
                [xs[i]],
                [value],
                marker="o",
                markersize=17,
                markerfacecolor="none",
                markeredgecolor=color,
                markeredgewidth=2.2,
                zorder=5,
            )
            ax.annotate(
                "✓",
                (xs[i], value),
                xytext=(-16, 10),
                textcoords="offset points",
                ha="right",
                va="bottom",
                color=color,
                fontsize=15,
                weight="bold",
                zorder=6,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            )
    ax.set_ylim(0, 10)
    ax.set_xlim(0.7, max(len(xs), 1) + 0.3)
    ax.set_xticks(xs)
    ax.set_xticklabels(list(spec.rounds))
    ax.set_ylabel(spec.score_axis)
    ax.grid(color="#e5e7eb")
    right = ax.twinx()
    points = [(x, v) for x, v in zip(xs, spec.roundness, strict=True) if v is not None]
    right.plot(
        [p[0] for p in points],
        [p[1] for p in points],
        color="#111827",
        linestyle="--",
        linewidth=2.2,
        marker="s",
        label=spec.roundness_label,
    )
    right.set_ylim(0, 100)
    right.set_ylabel(spec.roundness_label)
    fig.suptitle(spec.title, fontsize=17, weight="bold")
    handles, labels = ax.get_legend_handles_labels()
    more, more_labels = right.get_legend_handles_labels()
    if spec.done_label:
        more.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=13,
                markerfacecolor="none",
                markeredgecolor="#111827",
                markeredgewidth=2,
            )
        )
        more_labels.append(spec.done_label)
    fig.legend(
        handles + more,
        labels + more_labels,
        loc="lower center",
        ncol=3,
        frameon=False,
        fontsize=9.5,
        bbox_to_anchor=(0.5, 0.01),
    )
    buffer = io.BytesIO()
    # Telegram re-encodes photos anyway: a lighter PNG compression halves the encode time
    # for about 10% more bytes.
    canvas.print_png(buffer, pil_kwargs=PNG_OPTIONS)  # type: ignore[no-untyped-call]
    return buffer.getvalue()
