"""The wheel: labels never overlap, stay inside and clear of the legend, for 3-30 spokes."""

from __future__ import annotations

import asyncio
import struct

import pytest

from bot.core.charts import Spoke, WheelSpec
from bot.core.wheel import fits, label_text, quads_overlap, render_wheel
from bot.domain import Stage

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


def test_long_labels_are_wrapped_and_numbered() -> None:
    text = label_text(Spoke(7, "Коммерческое предложение в течение трёх часов после запроса"), 8)
    lines = text.split("\n")
    assert lines[0].startswith("7. ") and len(lines) <= 3
    assert all(len(line) <= 19 for line in lines)


async def test_rendering_in_worker_threads_side_by_side() -> None:
    layouts = await asyncio.gather(
        *(asyncio.to_thread(render_wheel, spec(n, LONG_RU)) for n in (4, 9, 16))
    )
    assert [len(layout.label_quads) for layout in layouts] == [4, 9, 16]
