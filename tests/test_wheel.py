"""The wheel: labels never overlap, stay inside and clear of the legend, for 3-30 spokes."""

from __future__ import annotations

import asyncio
import itertools
import struct

import pytest

from bot.core.charts import Spoke, WheelSpec
from bot.domain import Stage
from bot.render.history import PALETTE, line_style
from bot.render.wheel import (
    MAX_LABEL_LINES,
    MEAN_CLEARANCE,
    fits,
    label_text,
    quads_overlap,
    render_wheel,
    value_radius,
)

LONG_RU = [
    "Онлайн-консультант на сайте компании",
    "Телефонная линия после 18:00",
    "Группа ВКонтакте с сотней неотвеченных сообщений",
    "Коммерческое предложение в течение трёх часов",
    "Доставка курьером до двери",
    "Счёт на оплату и закрывающие документы",
    "Ресепшен в офисе",
    "Отзывы на Яндекс Картах",
    "Рассылка по электронной почте",
    "Мессенджеры: Telegram и WhatsApp",
]


def spec(count: int, labels: list[str]) -> WheelSpec:
    stages = [Stage.BEFORE, Stage.DURING, Stage.AFTER, Stage.NONE]
    spokes = [
        Spoke(
            i + 1,
            labels[i % len(labels)],
            stages[i * 4 // count],
            value=(i * 37 % 11) * 0.9,
            previous=(i * 13 % 10) * 1.0,
            customer=5.0 if i % 3 else None,
        )
        for i in range(count)
    ]
    return WheelSpec(
        title="Сайт и магазин · 23.11.2026",
        subtitle="5 оценивших · округлость 72/100: неровное",
        spokes=spokes,
        mean=5.0,
        stage_names={Stage.BEFORE: "до", Stage.DURING: "во время", Stage.AFTER: "после"},
    )


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.mark.parametrize("count", [3, 5, 8, 12, 13, 20, 30])
def test_labels_never_collide(count: int) -> None:
    layout = render_wheel(spec(count, LONG_RU))
    assert len(layout.label_quads) == count
    assert fits(layout.label_quads, layout.obstacles)
    assert png_size(layout.png) == (1000, 1000)


def test_the_overlap_check_can_fail() -> None:
    a = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
    b = ((5.0, 5.0), (15.0, 5.0), (15.0, 15.0), (5.0, 15.0))
    c = ((20.0, 0.0), (30.0, 0.0), (30.0, 10.0), (20.0, 10.0))
    assert quads_overlap(a, b) and not quads_overlap(a, c)
    assert not fits([a, b], [])
    assert not fits([((-5.0, 0.0), (1.0, 0.0), (1.0, 1.0), (-5.0, 1.0))], [])


def test_long_labels_wrap_at_spaces_and_keep_every_word() -> None:
    label = "Коммерческое предложение в течение трёх часов"
    text = label_text(Spoke(7, label), 8)
    lines = text.split("\n")
    assert lines[0].startswith("7.\N{NO-BREAK SPACE}Коммерческое")
    assert 1 < len(lines) <= MAX_LABEL_LINES and "…" not in text
    assert " ".join(lines).replace("\N{NO-BREAK SPACE}", " ") == f"7. {label}"


def test_hyphenated_words_stay_whole() -> None:
    text = label_text(Spoke(1, "Онлайн-консультант на сайте компании"), 8)
    assert "Онлайн-консультант" in text.split("\n")[0]
    assert not any(line.endswith("-") for line in text.split("\n"))


def test_only_past_four_lines_comes_an_ellipsis() -> None:
    four = "слово " * 11  # 4 lines of 19 characters
    long = "слово " * 20
    assert "…" not in label_text(Spoke(2, four.strip()), 8)
    cut = label_text(Spoke(2, long.strip()), 8).split("\n")
    assert len(cut) == MAX_LABEL_LINES and cut[-1].endswith("…")


@pytest.mark.parametrize(
    ("value", "mean"), [(5.0, 5.9), (5.0, 6.0), (9.5, 8.0), (0.0, 0.9), (4.2, 5.1), (7.0, 7.0)]
)
def test_value_labels_keep_off_the_mean_circle(value: float, mean: float) -> None:
    radius = value_radius(value, mean)
    assert abs(radius - mean) >= MEAN_CLEARANCE and 0 < radius <= 9.6
    assert abs(radius - value) <= 1.7 + 1e-9  # still next to its own point


@pytest.mark.parametrize("count", [3, 8, 12, 20])
def test_every_value_label_of_a_drawn_wheel_clears_the_mean(count: int) -> None:
    drawn = spec(count, LONG_RU)
    layout = render_wheel(drawn)
    assert drawn.mean is not None and len(layout.value_radii) == count
    assert all(abs(r - drawn.mean) >= MEAN_CLEARANCE for r in layout.value_radii)


async def test_rendering_in_worker_threads_side_by_side() -> None:
    layouts = await asyncio.gather(
        *(asyncio.to_thread(render_wheel, spec(n, LONG_RU)) for n in (4, 9, 16))
    )
    assert [len(layout.label_quads) for layout in layouts] == [4, 9, 16]


def test_history_lines_differ_by_colour_and_marker() -> None:
    styles = [line_style(i) for i in range(12)]
    assert len({(s["color"], s["marker"]) for s in styles}) == 12
    # Neighbours in the legend never share a colour or a marker.
    for a, b in itertools.pairwise(styles):
        assert a["color"] != b["color"] and a["marker"] != b["marker"]
    assert {s["color"] for s in styles} <= set(PALETTE)
