"""Every user-facing string is in the catalogues, translated, with matching placeholders."""

from __future__ import annotations

import re
from typing import cast

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


def test_russian_covers_every_string_in_the_code() -> None:
    ru = catalogue("ru")
    code = {msg.id if isinstance(msg.id, str) else msg.id[0] for msg in extract() if msg.id}
    missing = sorted(msgid for msgid in code if not is_translated(ru.get(msgid)))
    assert not missing, f"untranslated (run `uv run python -m bot.i18n`): {missing[:5]}"


def test_placeholders_and_tags_survive_translation() -> None:
    for msgid, translated in catalogue("ru").items():
        forms = translated if isinstance(translated, tuple) else (translated,)
        for form in forms:
            if not form:
                continue
            want = sorted(set(PLACEHOLDER.findall(msgid)))
            got = sorted(set(PLACEHOLDER.findall(form)))
            assert want == got, f"{msgid!r} -> {form!r}"


def test_catalogues_load_without_a_compile_step() -> None:
    i18n = make_i18n("en")
    assert set(i18n.available_locales) >= {"en", "ru"}
    assert i18n.gettext("<b>In the group</b>", locale="ru") == "<b>В группе</b>"


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
