"""The playbook: channels detected in three languages, every channel × criterion covered."""

from __future__ import annotations

import pytest

from bot.core.playbook import LANGUAGES, load_playbook
from bot.domain import CRITERIA, Criterion

EXPECTED_CHANNELS = {
    "website",
    "chat",
    "phone",
    "email",
    "messenger",
    "social",
    "office",
    "delivery",
    "documents",
    "payment",
    "support",
    "advertising",
    "reviews",
    "fallback",
}


def test_every_channel_has_every_criterion_in_every_language() -> None:
    playbook = load_playbook()
    assert {c.name for c in playbook.channels} == EXPECTED_CHANNELS
    texts = set()
    for channel in playbook.channels:
        for criterion in CRITERIA:
            for lang in LANGUAGES:
                text = channel.actions[criterion][lang]
                assert len(text) > 20, (channel.name, criterion, lang)
                texts.add(text)
    assert len(texts) == len(EXPECTED_CHANNELS) * len(CRITERIA) * len(LANGUAGES)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("Онлайн-чат на сайте", "chat"),
        ("Live chat on the website", "chat"),
        ("Website", "website"),
        ("Сайт компании", "website"),
        ("Телефон после 18:00", "phone"),
        ("Phone line", "phone"),
        ("Telefoon na 18:00", "phone"),
        ("Группа ВКонтакте", "social"),
        ("Instagram DM", "social"),
        ("WhatsApp", "messenger"),
        ("Рассылка по электронной почте", "email"),
        ("Support e-mail", "email"),
        ("Офис на Ленина", "office"),
        ("Winkel in Utrecht", "office"),
        ("Доставка курьером", "delivery"),
        ("Bezorging aan huis", "delivery"),
        ("Коммерческое предложение", "documents"),
        ("Offerte binnen 3 uur", "documents"),
        ("Оплата картой", "payment"),
        ("Служба поддержки", "support"),
        ("Klantenservice", "support"),
        ("Контекстная реклама", "advertising"),
        ("Отзывы на Яндекс Картах", "reviews"),
        ("Google reviews", "reviews"),
        ("Дверная ручка", "office"),
        ("Upsell", "fallback"),
    ],
)
def test_channel_detection(text: str, channel: str) -> None:
    assert load_playbook().channel_for(text).name == channel


def test_actions_come_in_the_asked_language() -> None:
    playbook = load_playbook()
    ru = playbook.action("Телефон", Criterion.SPEED, "ru")
    en = playbook.action("Телефон", Criterion.SPEED, "en")
    assert "15 минут" in ru and "15 minutes" in en
    assert playbook.action("Phone", Criterion.SPEED, "xx") == en
