"""The wheel picture: a radar chart of the spokes, drawn with matplotlib's object API.

No pyplot and no global state, so it is safe to call from a worker thread.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke
from matplotlib.projections.polar import PolarAxes
from matplotlib.transforms import Bbox

from bot.core.charts import PNG_OPTIONS, Spoke, WheelSpec, value_text
from bot.domain import Stage

SIZE_PX = 1000
DPI = 100
Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]

COLOR_TEAM = "#2563eb"
COLOR_PREVIOUS = "#9ca3af"
COLOR_CUSTOMER = "#ea580c"
COLOR_TEAM_ONLY = "#4b5563"  # grey: the mean ring is green
COLOR_MEAN = "#16a34a"
COLOR_DONE = "#15803d"  # the label of a spoke whose action was done: ✓ 3. Phone line
STAGE_COLORS = {
    Stage.BEFORE: "#a855f7",
    Stage.DURING: "#0ea5e9",
    Stage.AFTER: "#f59e0b",
    Stage.NONE: "#94a3b8",
}
RADIAL_LABELS_FROM = 13
MIN_LABEL_SIZE = 6.0
MARGIN = 40  # pixels kept clear around the picture's edge
MAX_LABEL_LINES = 4
VALUE_MAX_RADIUS = 9.6
MEAN_CLEARANCE = 0.55  # a value label's centre stays this far from the mean circle
RINGS = (2, 4, 6, 8, 10)
RING_CLEARANCE = 0.45  # a ring's number stays this far (in score units) from any line
BAND_INNER, BAND_OUTER = 10.3, 10.75  # the stage band, outside the 10 ring
BAND_ALPHA = 0.4


@dataclass(frozen=True, slots=True)
class WheelLayout:
    """The PNG and where each spoke label landed (pixel quads, origin bottom-left)."""

    png: bytes
    width: int
    height: int
    label_quads: tuple[Quad, ...]
    obstacles: tuple[Quad, ...] = ()  # title, subtitle and legend: labels must avoid them
    value_radii: tuple[float, ...] = ()  # where each value label sits, in score units
    label_sizes: tuple[float, ...] = ()  # each spoke label's font size (one size for all)


def label_text(spoke: Spoke, count: int, at_hyphens: bool = False, narrow: bool = False) -> str:
    """ "3. Long label" wrapped at spaces to fit the number of spokes.

    Hyphenated words stay whole (unless `at_hyphens`: a label that does not fit otherwise)
    and no word is cut; only a label longer than four lines ends in an ellipsis. `narrow`
    wraps a label that does not fit otherwise into shorter lines, as long as that takes no
    more than four.
    """
    width = 19 if count <= 8 else 18 if count < RADIAL_LABELS_FROM else 26
    # A no-break space keeps the number on the first word's line (and a done action's ✓).
    done = "✓\N{NO-BREAK SPACE}" if spoke.done else ""
    text = f"{done}{spoke.number}.\N{NO-BREAK SPACE}{spoke.label}"

    def wrap(chars: int) -> list[str]:
        lines = textwrap.wrap(
            text, width=chars, break_long_words=False, break_on_hyphens=at_hyphens
        )
        return lines or [text]

    wrapped = wrap(width)
    if narrow and len(narrower := wrap(width - 5)) <= MAX_LABEL_LINES:
        wrapped = narrower
    if len(wrapped) > MAX_LABEL_LINES:
        wrapped = wrapped[:MAX_LABEL_LINES]
        wrapped[-1] = wrapped[-1].rstrip(" ,.;:–-") + "…"
    return "\n".join(wrapped)


def value_radius(value: float | None, mean: float | None) -> float:
    """Where a spoke's value label sits: just outside its point, never on the mean circle."""
    base = value or 0.0
    candidates = [base + 0.9, base + 1.7, base - 0.9, base + 2.5]
    for radius in candidates:
        if not 0.6 <= radius <= VALUE_MAX_RADIUS:
            continue
        if mean is None or abs(radius - mean) >= MEAN_CLEARANCE:
            return radius
    return min(base + 0.9, VALUE_MAX_RADIUS)


def _font_size(count: int) -> float:
    if count <= 8:
        return 12.0
    if count < RADIAL_LABELS_FROM:
        return 10.5
    if count <= 20:
        return 9.0
    return 7.5


def stage_legend(spec: WheelSpec) -> list[tuple[Stage, str]]:
    """The stage band's legend: every stage on the wheel in journey order, the untagged
    spokes' grey last; nothing when no spoke has a stage (then there is no band)."""
    stages = {s.stage for s in spec.spokes}
    if stages <= {Stage.NONE}:
        return []
    order = (Stage.BEFORE, Stage.DURING, Stage.AFTER, Stage.NONE)
    return [
        (
            stage,
            spec.stage_none if stage is Stage.NONE else spec.stage_names.get(stage, stage.value),
        )
        for stage in order
        if stage in stages
    ]


def value_labels(spec: WheelSpec) -> list[str]:
    """The number printed beside each spoke's point, as the chat's language writes it."""
    return [value_text(s.value, spec.locale) for s in spec.spokes]


def chord_radius(a: float, b: float, step: float) -> float:
    """Where the straight line from radius `a` on one spoke to `b` on the next (`step`
    radians apart) crosses the bisector between them."""
    if a <= 0 or b <= 0:
        return 0.0
    return 2 * a * b * math.cos(step / 2) / (a + b)


def ring_gap(spec: WheelSpec) -> int:
    """Between which two spokes (i and i+1) the rings' numbers go: where the fewest lines
    (the team's, the previous round's, the customers', the mean circle) pass near them;
    between spokes 1 and 2 when that is as good as anywhere."""
    count = len(spec.spokes)
    if count < 2:
        return 0
    step = 2 * math.pi / count
    layers: list[list[float | None]] = [
        [s.value or 0.0 for s in spec.spokes],
        [s.previous for s in spec.spokes],
        [s.team for s in spec.spokes],
        [s.customer for s in spec.spokes],
    ]
    if all(v is None for v in layers[1]):
        layers.pop(1)

    def crossings(gap: int) -> list[float]:
        found = [spec.mean] if spec.mean else []
        for layer in layers:
            a, b = layer[gap], layer[(gap + 1) % count]
            if a is not None and b is not None:
                found.append(chord_radius(a, b, step))
        return found

    def clashes(gap: int) -> int:
        radii = crossings(gap)
        return sum(1 for ring in RINGS for r in radii if abs(ring - r) < RING_CLEARANCE)

    return min(range(count), key=lambda gap: (clashes(gap), gap))


def _ring_labels(ax: PolarAxes, spec: WheelSpec, angles: Sequence[float]) -> None:
    """The rings' numbers between two spokes where no line passes, with a white halo for
    a line that must."""
    count = len(angles)
    gap = ring_gap(spec)
    angle = (gap + 0.5) * 2 * math.pi / max(count, 1)
    for ring in RINGS:
        ax.text(
            angle,
            ring,
            str(ring),
            ha="center",
            va="center",
            fontsize=8.5,
            color="#6b7280",
            zorder=7,
            path_effects=[withStroke(linewidth=3, foreground="white")],
        )


def _closed(values: Sequence[float]) -> list[float]:
    return [*values, values[0]]


def render_wheel(spec: WheelSpec) -> WheelLayout:
    """Draw the wheel; returns the PNG and the label placement for layout checks."""
    fig = Figure(figsize=(SIZE_PX / DPI, SIZE_PX / DPI), dpi=DPI, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    count = len(spec.spokes)
    radial = count >= RADIAL_LABELS_FROM
    inset = 0.27 if radial else 0.2
    # Radial labels reach further down; lift the wheel a little clear of the legend.
    bottom = inset - (0.01 if radial else 0.03)
    ax = fig.add_axes((inset, bottom, 1 - 2 * inset, 1 - 2 * inset), projection="polar")
    assert isinstance(ax, PolarAxes)
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    stages = [s.stage for s in spec.spokes]
    banded = bool(stage_legend(spec))
    # The journey stages are a band just outside the 10 ring, off the data.
    rim = BAND_OUTER if banded else 10.0
    ax.set_ylim(0, rim)
    ax.set_yticks(RINGS)
    ax.set_yticklabels([])
    ax.grid(color="#e5e7eb", linewidth=0.8)
    ax.spines["polar"].set_visible(False)
    angles = [2 * math.pi * i / max(count, 1) for i in range(count)]
    ax.set_xticks(angles)
    ax.set_xticklabels([])
    ax.plot(
        [2 * math.pi * i / 180 for i in range(181)], [10.0] * 181, color="#d1d5db", linewidth=1
    )
    if banded:
        step = 2 * math.pi / count
        ax.bar(
            angles,
            [BAND_OUTER - BAND_INNER] * count,
            width=step * 0.97,
            bottom=BAND_INNER,
            color=[STAGE_COLORS[stage] for stage in stages],
            alpha=BAND_ALPHA,
            edgecolor="none",
            zorder=1,
        )

    handles: list[Artist] = []
    value_radii: list[float] = []
    if count:
        if spec.mean is not None and spec.mean > 0:
            ring = [2 * math.pi * i / 180 for i in range(181)]
            (mean_line,) = ax.plot(
                ring,
                [spec.mean] * len(ring),
                linestyle="--",
                linewidth=1.4,
                color=COLOR_MEAN,
                label=spec.legend_mean,
                zorder=2,
            )
            handles.append(mean_line)
        layers: tuple[tuple[list[float | None], str, dict[str, Any], float], ...] = (
            (
                [s.previous for s in spec.spokes],
                spec.legend_previous,
                {"color": COLOR_PREVIOUS, "linewidth": 1.6, "linestyle": (0, (4, 2)), "zorder": 3},
                0.12,
            ),
            (
                [s.team for s in spec.spokes],
                spec.legend_team_only,
                {
                    "color": COLOR_TEAM_ONLY,
                    "linewidth": 1.6,
                    "linestyle": (0, (1, 1.5)),
                    "marker": "^",
                    "markersize": 5,
                    "zorder": 4,
                },
                0.0,
            ),
            (
                [s.customer for s in spec.spokes],
                spec.legend_customer,
                {
                    "color": COLOR_CUSTOMER,
                    "linewidth": 2.0,
                    "marker": "s",
                    "markersize": 5,
                    "zorder": 4,
                },
                0.0,
            ),
        )
        for raw, label, style, alpha in layers:
            if all(v is None for v in raw):
                continue
            # A filled layer needs every point; a line layer leaves a gap where nobody rated.
            missing = 0.0 if alpha else math.nan
            values = [v if v is not None else missing for v in raw]
            (line,) = ax.plot(_closed(angles), _closed(values), label=label, **style)
            if alpha:
                ax.fill(
                    _closed(angles),
                    _closed(values),
                    color=style["color"],
                    alpha=alpha,
                    zorder=style["zorder"],
                )
            handles.append(line)
        team = [s.value if s.value is not None else 0.0 for s in spec.spokes]
        (team_line,) = ax.plot(
            _closed(angles),
            _closed(team),
            color=COLOR_TEAM,
            linewidth=2.4,
            marker="o",
            markersize=5,
            label=spec.legend_team,
            zorder=5,
        )
        ax.fill(_closed(angles), _closed(team), color=COLOR_TEAM, alpha=0.22, zorder=5)
        handles.insert(0, team_line)
        if spec.legend_done and any(s.done for s in spec.spokes):
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker="$✓$",
                    markersize=11,
                    color=COLOR_DONE,
                    label=spec.legend_done,
                )
            )
        value_size = 10 if count <= 12 else 8 if count <= 20 else 6.5
        for angle, spoke, shown in zip(angles, spec.spokes, value_labels(spec), strict=True):
            radius = value_radius(spoke.value, spec.mean)
            value_radii.append(radius)
            ax.text(
                angle,
                radius,
                shown,
                ha="center",
                va="center",
                fontsize=value_size,
                color=COLOR_TEAM,
                weight="bold",
                zorder=6,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            )

    _ring_labels(ax, spec, angles)

    title = fig.suptitle(spec.title, fontsize=19, weight="bold", y=0.975)
    subtitle = fig.text(0.5, 0.925, spec.subtitle, ha="center", fontsize=12.5, color="#374151")
    blocking: list[Artist] = [title, subtitle]
    present = stage_legend(spec)
    if handles:
        # Two columns: the mean's explanation is long in every language.
        series_legend = fig.legend(
            handles,
            [str(h.get_label()) for h in handles],
            loc="lower center",
            ncol=min(2, len(handles)),
            frameon=False,
            fontsize=10.5,
            # Above the stage legend's row when there is one.
            bbox_to_anchor=(0.5, 0.035 if present else 0.005),
        )
        blocking.append(series_legend)
    if present:
        stages_legend = fig.legend(
            [Patch(color=STAGE_COLORS[stage], alpha=BAND_ALPHA) for stage, _ in present],
            [name for _, name in present],
            loc="lower center",
            ncol=len(present),
            frameon=False,
            fontsize=10.5,
            bbox_to_anchor=(0.5, 0.005),
        )
        blocking.append(stages_legend)
    # Text is measured with the canvas's renderer without drawing the figure: the only full
    # draw is the one that writes the PNG.
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
    obstacles = tuple(_quad(artist.get_window_extent(renderer)) for artist in blocking)
    # The labels that overlap another, leave the picture or hit a legend are first wrapped
    # at their hyphens too (a long compound such as "WhatsApp-herinnering"), then narrower;
    # only when that is not enough do all labels get smaller together, so that neighbours
    # always share one size.
    size = _font_size(count)
    hyphens = [False] * count
    narrow = [False] * count
    while True:
        artists, quads = _draw_labels(fig, ax, spec, angles, radial, size, hyphens, narrow)
        bad = misfits(quads, obstacles)
        if not bad or size <= MIN_LABEL_SIZE:
            break
        for artist in artists:
            artist.remove()
        rewrapped = False
        for i in bad:
            if not hyphens[i] and "-" in spec.spokes[i].label:
                hyphens[i] = rewrapped = True
            elif not narrow[i]:
                narrow[i] = rewrapped = True
        if not rewrapped:
            # Every label the same size: all of them a step smaller.
            size -= 0.5
    buffer = io.BytesIO()
    # Telegram re-encodes photos anyway: a lighter PNG compression halves the encode time
    # for about 10% more bytes.
    canvas.print_png(buffer, pil_kwargs=PNG_OPTIONS)  # type: ignore[no-untyped-call]
    return WheelLayout(
        png=buffer.getvalue(),
        width=SIZE_PX,
        height=SIZE_PX,
        label_quads=quads,
        obstacles=obstacles,
        value_radii=tuple(value_radii),
        label_sizes=(size,) * count,
    )


def misfits(quads: Sequence[Quad], obstacles: Sequence[Quad]) -> set[int]:
    """The labels that leave the margin, overlap an obstacle, or overlap another label
    (both of a pair)."""
    bad: set[int] = set()
    for i, quad in enumerate(quads):
        if any(
            not (MARGIN <= x <= SIZE_PX - MARGIN and MARGIN <= y <= SIZE_PX - MARGIN)
            for x, y in quad
        ) or any(quads_overlap(quad, obstacle) for obstacle in obstacles):
            bad.add(i)
        for j in range(i + 1, len(quads)):
            if quads_overlap(quad, quads[j]):
                bad.update((i, j))
    return bad


def fits(quads: Sequence[Quad], obstacles: Sequence[Quad]) -> bool:
    """No label overlaps another or an obstacle, and all stay inside the picture."""
    return not misfits(quads, obstacles)


def _quad(box: Bbox) -> Quad:
    return ((box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1))


def _draw_labels(
    fig: Figure,
    ax: PolarAxes,
    spec: WheelSpec,
    angles: list[float],
    radial: bool,
    size: float,
    hyphens: Sequence[bool],
    narrow: Sequence[bool],
) -> tuple[list[Artist], tuple[Quad, ...]]:
    count = len(spec.spokes)
    canvas = fig.canvas
    renderer = canvas.get_renderer()  # type: ignore[attr-defined]
    artists: list[Artist] = []
    centre = ax.transData.transform((0, 0))
    rim = ax.transData.transform((0, ax.get_ylim()[1]))
    radius_px = math.dist(centre, rim)
    quads: list[Quad] = []
    for angle, spoke, at_hyphens, narrower in zip(
        angles, spec.spokes, hyphens, narrow, strict=True
    ):
        # Screen angle: 0 at the top, clockwise (as the axes draw it).
        screen = math.pi / 2 - angle
        gap = 14 if radial else 18
        x = centre[0] + (radius_px + gap) * math.cos(screen)
        y = centre[1] + (radius_px + gap) * math.sin(screen)
        text = label_text(spoke, count, at_hyphens, narrower)
        color = COLOR_DONE if spoke.done else "#111827"
        if radial:
            right = math.cos(screen) >= -1e-9
            rotation = math.degrees(screen) if right else math.degrees(screen) + 180
            ha = "left" if right else "right"
            artist = fig.text(
                x / fig.bbox.width,
                y / fig.bbox.height,
                text,
                fontsize=size,
                ha=ha,
                va="center",
                color=color,
                rotation=0,
                rotation_mode="anchor",
                linespacing=1.05,
            )
            artists.append(artist)
            box = artist.get_window_extent(renderer)
            artist.set_rotation(rotation)
            quads.append(_rotated_quad((x, y), box.width, box.height, rotation, ha))
        else:
            cos, sin = math.cos(screen), math.sin(screen)
            ha = "center" if abs(cos) < 0.2 else "left" if cos > 0 else "right"
            va = "center" if abs(sin) < 0.2 else "bottom" if sin > 0 else "top"
            artist = fig.text(
                x / fig.bbox.width,
                y / fig.bbox.height,
                text,
                fontsize=size,
                ha=ha,
                va=va,
                color=color,
                linespacing=1.1,
                multialignment="center" if ha == "center" else ha,
            )
            artists.append(artist)
            quads.append(_quad(artist.get_window_extent(renderer)))
    return artists, tuple(quads)


def _rotated_quad(anchor: Point, width: float, height: float, degrees: float, ha: str) -> Quad:
    x0 = 0.0 if ha == "left" else -width
    corners = [
        (x0, -height / 2),
        (x0 + width, -height / 2),
        (x0 + width, height / 2),
        (x0, height / 2),
    ]
    rad = math.radians(degrees)
    cos, sin = math.cos(rad), math.sin(rad)
    turned = [
        (anchor[0] + cx * cos - cy * sin, anchor[1] + cx * sin + cy * cos) for cx, cy in corners
    ]
    return (turned[0], turned[1], turned[2], turned[3])


def quads_overlap(a: Quad, b: Quad) -> bool:
    """Whether two convex quads intersect (separating axis test)."""
    for quad in (a, b):
        for i in range(4):
            (x1, y1), (x2, y2) = quad[i], quad[(i + 1) % 4]
            nx, ny = y2 - y1, x1 - x2
            pa = [nx * x + ny * y for x, y in a]
            pb = [nx * x + ny * y for x, y in b]
            if max(pa) <= min(pb) or max(pb) <= min(pa):
                return False
    return True
