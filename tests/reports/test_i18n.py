"""The words of reports/ go through Babel catalogs, complete and compiled in every language."""

from __future__ import annotations

import string
from gettext import c2py  # type: ignore[attr-defined]
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.support import Translations

from reports.i18n import CATALOGS, DOMAIN
from reports.languages import CODES, SOURCE_LANGUAGE


def catalog(code: str) -> Catalog:
    with (CATALOGS / code / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def template_ids() -> set[str]:
    with (CATALOGS / f"{DOMAIN}.pot").open("rb") as handle:
        return {str(message.id) for message in read_po(handle) if message.id}


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("code", CODES)
def test_every_word_is_translated_with_the_same_placeholders(code: str) -> None:
    words = {str(m.id): str(m.string) for m in catalog(code) if m.id}

    assert set(words) == template_ids()  # make i18n-update was run
    if code != SOURCE_LANGUAGE:
        assert [msgid for msgid, text in words.items() if not text.strip()] == []
        assert [msgid for msgid, text in words.items() if placeholders(text) != placeholders(msgid)] == []
    assert not [m.id for m in catalog(code) if m.id and m.fuzzy]


@pytest.mark.parametrize("code", CODES)
def test_the_compiled_catalog_matches_its_source(code: str) -> None:
    """make i18n-compile was run after the last change to the .po file."""
    compiled = Translations.load(str(CATALOGS), [code], domain=DOMAIN)
    source = catalog(code)
    plural_form = c2py(source.plural_expr)
    for message in source:
        if isinstance(message.id, tuple):  # a plural: each form, at counts that pick each
            singular, plural = message.id
            for n in (0, 1, 2, 3, 11, 100):
                form = plural_form(n)
                expected = message.string[form] or (singular if n == 1 else plural)
                assert compiled.ngettext(singular, plural, n) == expected, (message.id, n)
        elif message.id:
            assert compiled.gettext(str(message.id)) == (message.string or message.id), message.id


def test_the_catalogs_are_in_the_package(tmp_path: Path) -> None:
    assert CATALOGS.parent.name == "reports"
    assert sorted(p.parent.parent.name for p in CATALOGS.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")) == sorted(CODES)
