"""The words reports add themselves, translated by Babel catalogs.

Question texts come from the questionnaire; the words a chart or a document
adds ("Mean", "Methods", a sheet's name) are written in English in the code,
marked with :func:`N_`, and translated by the catalogs in
``reports/translations/<code>/LC_MESSAGES/reports.po`` (domain ``reports``),
read with the Babel library itself because :mod:`reports` must not depend on
Flask. ``make i18n-update`` extracts them; ``make i18n-compile`` compiles them.

A "%" followed by a letter reads to Babel as a printf placeholder, which
``pybabel compile`` then checks against the translation: write "(95%)" rather
than "95% confidence". In the Arabic catalog, formulas and signed numbers sit
between U+2066 and U+2069 (a left-to-right isolate): without it "−1" reads
"1−" and "9–10" reads "10–9".
"""

from __future__ import annotations

from pathlib import Path

from babel.support import NullTranslations, Translations

from reports.caches import REPORT_TRANSLATIONS
from reports.languages import language

#: Where the catalogs live, one folder per language code.
CATALOGS = Path(__file__).with_name("translations")
DOMAIN = "reports"


def N_(message: str) -> str:
    """Mark ``message`` for extraction (gettext's usual name); it is translated where it is shown."""
    return message


def _translations(code: str) -> NullTranslations:
    found: NullTranslations | None = REPORT_TRANSLATIONS.get(code)
    if found is None:
        found = REPORT_TRANSLATIONS.put(code, Translations.load(str(CATALOGS), [code], domain=DOMAIN))
    return found


def translations(lang: str) -> NullTranslations:
    """The catalog of ``lang``; the source language's (the English of the code)
    for a language the service does not speak."""
    return _translations(language(lang).code)


def gettext(message: str, lang: str) -> str:
    """``message`` (English, marked with :func:`N_`) in ``lang``; the English
    itself where the catalog has no translation."""
    return translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int, lang: str) -> str:
    """The form of ``singular``/``plural`` that ``lang`` uses for ``n`` (French
    has three in its catalog, Arabic six); English's where no translation exists."""
    return translations(lang).ngettext(singular, plural, n)
