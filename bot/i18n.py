"""Translations: Babel .po catalogues compiled in memory when the bot starts."""

from __future__ import annotations

import tempfile
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
# Keywords pybabel extracts: gettext's usual ones plus N_ for texts translated later.
EXTRACT_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a text for the catalogue without translating it now."""
    return text


# The translations object handlers use; aiogram's own class (a subclass would get its
# own context variable and break aiogram's gettext helpers).
CatalogueI18n = I18n


def make_i18n(default_locale: str) -> I18n:
    """Compile every .po into a temporary folder and let aiogram's I18n load it from there.

    I18n reads all catalogues into memory when it is built, so the folder can go at once;
    a fresh clone therefore needs no compile step and no .mo files are committed.
    """
    with tempfile.TemporaryDirectory(prefix="touchwheel-i18n-") as tmp:
        for po_path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            locale = po_path.parent.parent.name
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale, domain=DOMAIN)
            mo_path = Path(tmp) / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
            mo_path.parent.mkdir(parents=True)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog, use_fuzzy=False)
        return I18n(path=tmp, default_locale=default_locale, domain=DOMAIN)


def pick_locale(language_code: str | None, available: tuple[str, ...], default: str) -> str:
    """The catalogue for a Telegram language_code such as 'ru' or 'pt-br'."""
    if not language_code:
        return default
    base = language_code.replace("_", "-").split("-")[0].lower()
    return base if base in available else default


SOURCE_DIRS = ("bot", "handlers")


def extract() -> Catalog:
    """Every translatable string in the code, as a template catalogue."""
    root = Path(__file__).resolve().parent.parent
    template = Catalog(domain=DOMAIN, project="touchwheel")
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            root / folder,
            method_map=[("**.py", "python")],
            keywords=EXTRACT_KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        ):
            template.add(
                message,
                locations=[(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def is_translated(string: object) -> bool:
    """A translation with every plural form filled in."""
    if isinstance(string, tuple | list):
        return bool(string) and all(string)
    return bool(string)


def update_catalogues() -> dict[str, list[str]]:
    """Merge the code's strings into every .po; returns the untranslated ids per locale."""
    template = extract()
    missing: dict[str, list[str]] = {}
    for folder in sorted(LOCALES_DIR.iterdir()):
        po_path = folder / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po_path.is_file():
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=folder.name, domain=DOMAIN)
        else:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=folder.name, domain=DOMAIN, project="touchwheel")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, width=99, sort_output=True, omit_header=False)
        if folder.name != "en":
            missing[folder.name] = [
                str(msg.id) for msg in catalog if msg.id and not is_translated(msg.string)
            ]
    return missing


if __name__ == "__main__":
    for locale, ids in update_catalogues().items():
        print(f"{locale}: {len(ids)} untranslated")
        for msgid in ids:
            print(f"  {msgid!r}")
