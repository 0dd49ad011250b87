"""Every user-facing string is in the catalogues, translated, with matching placeholders."""

from __future__ import annotations

import re
from typing import cast

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, extract, is_translated, make_i18n

PLACEHOLDER = re.compile(r"\{[a-z_]*\}|<[^>]+>")


def catalogue(locale: str) -> dict[str, str | tuple[str, ...]]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return {
            msg.id if isinstance(msg.id, str) else msg.id[0]: cast(
                str | tuple[str, ...], msg.string
            )
            for msg in read_po(fp)
            if msg.id
        }


@pytest.mark.parametrize("locale", ["ru", "nl"])
def test_every_string_in_the_code_is_translated(locale: str) -> None:
    found = catalogue(locale)
    code = {msg.id if isinstance(msg.id, str) else msg.id[0] for msg in extract() if msg.id}
    missing = sorted(msgid for msgid in code if not is_translated(found.get(msgid)))
    assert not missing, f"untranslated (run `uv run python -m bot.i18n`): {missing[:5]}"


@pytest.mark.parametrize("locale", ["ru", "nl"])
def test_placeholders_and_tags_survive_translation(locale: str) -> None:
    for msgid, translated in catalogue(locale).items():
        forms = translated if isinstance(translated, tuple) else (translated,)
        for form in forms:
            if not form:
                continue
            want = sorted(set(PLACEHOLDER.findall(msgid)))
            got = sorted(set(PLACEHOLDER.findall(form)))
            assert want == got, f"{msgid!r} -> {form!r}"


def test_catalogues_load_without_a_compile_step() -> None:
    i18n = make_i18n("en")
    assert set(i18n.available_locales) >= {"en", "ru", "nl"}
    assert i18n.gettext("<b>In the group</b>", locale="ru") == "<b>В группе</b>"
    assert i18n.gettext("<b>In the group</b>", locale="nl") == "<b>In de groep</b>"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        (
            "ru",
            {
                1: "1 точка контакта",
                2: "2 точки контакта",
                5: "5 точек контакта",
                21: "21 точка контакта",
            },
        ),
        ("nl", {1: "1 contactmoment", 2: "2 contactmomenten", 5: "5 contactmomenten"}),
        ("en", {1: "1 touchpoint", 21: "21 touchpoints"}),
    ],
)
def test_plural_forms(locale: str, expected: dict[int, str]) -> None:
    i18n = make_i18n("en")
    for n, text in expected.items():
        found = i18n.gettext("{n} touchpoint", "{n} touchpoints", n, locale=locale)
        assert found.format(n=n) == text


def test_no_gettext_call_hides_inside_an_f_string() -> None:
    # Babel's extractor cannot see _() inside f-strings, so such texts never get translated.
    root = LOCALES_DIR.parent.parent
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("bot", "handlers")
        for path in (root / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\{_\(|\{ngettext\(", line)
    ]
    assert not offenders, offenders
