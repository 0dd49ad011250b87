"""The playbook: every channel × criterion covered in three languages, and the channel
classifier's contract, model file and a sanity set (its real evaluation, leave one business
out, is `python -m bot playbook eval`; see docs/playbook.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.linear import LinearModel
from bot.core.playbook import FALLBACK, LANGUAGES, classify, load_model, load_playbook
from bot.domain import CRITERIA, Criterion
from bot.training.corpus import (
    BACKGROUND,
    CORPUS,
    Settings,
    background,
    fingerprint,
    read_corpus,
)

EXPECTED_CHANNELS = {
    "website",
    "chat",
    "phone",
    "outbound_call",
    "email",
    "mail",
    "messenger",
    "social",
    "office",
    "delivery",
    "field_visit",
    "returns",
    "documents",
    "payment",
    "support",
    "helpcenter",
    "advertising",
    "reviews",
    "proposal",
    "app",
    "account",
    "onboarding",
    "newsletter",
    "booking",
    "loyalty",
    "cancellation",
    "fallback",
}
BUSINESSES = {
    "retail",
    "ecommerce",
    "restaurants",
    "hotels",
    "fitness",
    "beauty",
    "saas",
    "telecom",
    "utilities",
    "insurance",
    "banking",
    "education",
    "municipality",
    "healthcare",
    "logistics",
    "carservice",
    "realestate",
    "furniture",
    "pharmacy",
    "airline",
    "veterinary",
    "cleaning",
    "events",
    "coworking",
    "carrental",
    "movers",
    "recruitment",
    "notary",
    "transit",
    "solar",
    "travel",
}


def test_every_channel_has_every_criterion_in_every_language() -> None:
    playbook = load_playbook()
    assert {c.name for c in playbook.channels} == EXPECTED_CHANNELS
    assert playbook.channels[-1].name == FALLBACK
    texts = set()
    for channel in playbook.channels:
        for criterion in CRITERIA:
            for lang in LANGUAGES:
                text = channel.actions[criterion][lang]
                assert len(text) > 20, (channel.name, criterion, lang)
                texts.add(text)
    assert len(texts) == len(EXPECTED_CHANNELS) * len(CRITERIA) * len(LANGUAGES)


def test_the_model_covers_exactly_the_playbooks_channels() -> None:
    model = load_model()
    assert set(model.classes) == {c.name for c in load_playbook().channels} - {FALLBACK}
    assert set(model.classes) == EXPECTED_CHANNELS - {FALLBACK}
    assert len(model.classes) == len(set(model.classes))
    assert 0 < model.threshold < 1
    assert len(model.intercepts) == len(model.classes)
    assert load_model() is model  # read once


def test_the_model_was_trained_on_the_committed_corpus() -> None:
    """Retrain (`python -m bot playbook train`) whenever the corpus or its GUIDE.md,
    playbook.toml (keywords, names, actions), the features or the training settings change."""
    playbook = load_playbook()
    examples = read_corpus(playbook) + background(playbook)
    assert {e.business for e in examples} == BUSINESSES | BACKGROUND
    training = dataclasses.asdict(Settings())
    assert load_model().fingerprint == fingerprint(examples, playbook, training)
    assert load_model().info["examples"] == len(examples)


def test_the_corpus_has_every_channel_in_every_language() -> None:
    examples = read_corpus(load_playbook())
    assert sorted(p.stem for p in CORPUS.glob("*.tsv")) == sorted(BUSINESSES)
    for lang in LANGUAGES:
        channels = {e.channel for e in examples if e.lang == lang and e.business in BUSINESSES}
        assert channels == EXPECTED_CHANNELS - {FALLBACK}, lang


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        # From the issue and GUIDE.md.
        ("app crashes when adding to cart", "app"),
        ("бронь столика только по телефону", "booking"),
        ("оплата картой курьеру не проходит", "payment"),
        ("mails worden pas na een week beantwoord", "email"),
        ("linkedin ads target wrong job titles", "advertising"),
        ("G2 reviews mention slow support", "reviews"),
        ("Follow-up call to the patient", "outbound_call"),
        ("Phone line to the reception", "phone"),
        ("Телефон регистратуры", "phone"),
        ("nobody picks up the phone after 6", "phone"),
        ("курьер опоздал на 2 часа", "delivery"),
        ("klantportaal wachtwoord vergeten", "account"),
        # Plain ones, one or two per channel and language.
        ("Live chat on the website", "chat"),
        ("Онлайн-чат на сайте", "chat"),
        ("WhatsApp", "messenger"),
        ("Группа ВКонтакте", "social"),
        ("Instagram DM", "social"),
        ("Отзывы на Яндекс Картах", "reviews"),
        ("Google reviews", "reviews"),
        ("Контекстная реклама", "advertising"),
        ("Nieuwsbrief met aanbiedingen", "newsletter"),
        ("Телефон после 18:00", "phone"),
        ("Telefoon na 18:00", "phone"),
        ("Оплата картой", "payment"),
        ("Коммерческое предложение", "proposal"),
        ("Offerte binnen 3 uur", "proposal"),
        ("Доставка курьером", "delivery"),
        ("Bezorging aan huis", "delivery"),
        ("Возврат товара", "returns"),
        ("Служба поддержки", "support"),
        ("Klantenservice", "support"),
        ("FAQ page is outdated", "helpcenter"),
        ("Офис на Ленина", "office"),
        ("Winkel in Utrecht", "office"),
        ("Регистратура и зал ожидания", "office"),
        ("Личный кабинет", "account"),
        ("Tafel reserveren", "booking"),
        ("Бонусная карта покупателя", "loyalty"),
        ("Abonnement opzeggen", "cancellation"),
        ("Сайт компании", "website"),
        ("paper bill arrives after the due date", "mail"),
        ("installer left mud all over the hallway", "field_visit"),
    ],
)
def test_clear_examples(text: str, channel: str) -> None:
    assert classify(text) == channel
    assert load_playbook().channel_for(text).name == channel


@pytest.mark.parametrize("text", ["", "   ", "😀🎉👍", "!!! ???", "xqzv wjkp", "ъьъь"])
def test_nothing_to_read_is_no_answer(text: str) -> None:
    assert classify(text) is None
    assert load_playbook().channel_for(text).name == FALLBACK


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_classify_returns_a_channel_or_none_and_is_deterministic(text: str) -> None:
    got = classify(text)
    assert got is None or got in EXPECTED_CHANNELS - {FALLBACK}
    assert classify(text) == got
    probabilities = load_playbook().probabilities(text)
    assert not probabilities or abs(sum(probabilities.values()) - 1) < 1e-6
    if got is not None:
        assert next(iter(probabilities)) == got


def test_actions_come_in_the_asked_language() -> None:
    playbook = load_playbook()
    ru = playbook.action("Телефон", Criterion.SPEED, "ru")
    en = playbook.action("Телефон", Criterion.SPEED, "en")
    assert "15 минут" in ru and "15 minutes" in en
    assert playbook.action("Phone", Criterion.SPEED, "xx") == en


def test_the_keyword_rules_still_read_the_keywords() -> None:
    """The rules are features of the model and its baseline in docs/playbook.md."""
    playbook = load_playbook()
    assert playbook.keyword_channel("Звонок в колл-центр") is playbook.named("phone")
    assert playbook.keyword_channel("Upsell") is None
    features = playbook.features("Звонок в колл-центр")
    assert features["kw:phone"] == features["rule:phone"] == 1.0
    assert playbook.features("😀") == {}


def test_the_next_suggestions_start_with_the_weakest_criterion() -> None:
    playbook = load_playbook()
    phone = playbook.channel_for("Phone line")
    offered = playbook.suggestions(phone, Criterion.SPEED, "en")
    assert offered[0] == phone.action(Criterion.SPEED, "en")
    assert len(offered) == len(set(offered)) == 6
    assert playbook.named("phone") is phone and playbook.named("nope") is None
    assert phone.label("ru") == "Телефон и колл-центр" and phone.label("xx") == phone.label("en")


def test_a_model_survives_its_file(tmp_path: Path) -> None:
    rows = {"w:a": (1.0, [(0, 1.5), (1, -0.25)]), "w:b": (2.0, [(1, 2.0)]), "w:c": (1.5, [])}
    model = LinearModel.build(
        ["x", "y"], [0.1, -0.1], rows, temperature=2.0, threshold=0.6, fingerprint="f"
    )
    path = tmp_path / "model.json.gz"
    model.save(path)
    loaded = LinearModel.load(path.read_bytes())
    assert loaded.classes == ("x", "y") and loaded.threshold == 0.6
    assert loaded.temperature == 2.0 and set(loaded.index) == {"w:a", "w:b", "w:c"}
    for features in ({"w:a": 1.0}, {"w:a": 1.0, "w:b": 1.0}, {"w:a": 1.0, "w:c": 1.0}):
        assert loaded.probabilities(features) == model.probabilities(features)
    assert loaded.probabilities({"w:zz": 1.0}) is None
    p = loaded.probabilities({"w:a": 1.0, "w:zz": 1.0})
    assert p is not None and p[0] > 0.5
    # A known feature with no weight still counts in the text's length.
    assert loaded.scores({"w:a": 1.0}) != loaded.scores({"w:a": 1.0, "w:c": 1.0})
    model.save(tmp_path / "again.json.gz")
    assert (tmp_path / "again.json.gz").read_bytes() == path.read_bytes()
