"""The languages the service speaks: the one list, read by every layer.

The trainee form, the staff pages, the questionnaire validation, the CLI and
the report documents all look a language up here; adding one is an entry in
:data:`LANGUAGES`, its catalogs and its questionnaire texts (CONTRIBUTING.md).

It lives in :mod:`reports` because the documents need it and :mod:`reports`
may not import the ``survey`` application, while ``survey`` may import
:mod:`reports`; it imports only the standard library (a test keeps it so), so
the settings, the models and the questionnaire validation read it without
loading Plotly. A language's plural rule is not repeated here:
each catalog carries it (its ``Plural-Forms`` header) and Babel reads it there.
Its name in another language ("Arabic" in an English report) comes from
Babel's CLDR data, so no table of names per language is kept either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Language:
    """One language of the interface, the questionnaires and the reports."""

    #: Its code in ``?lang=``, ``lang=""``, the catalog folders and stored responses: "fr".
    code: str
    #: Its name written in itself, as a language picker shows it: "Français".
    endonym: str
    #: "rtl" for a language written right to left: pages, charts and sheets mirror.
    direction: Literal["ltr", "rtl"] = "ltr"
    #: How its readers write 1234.5 in a report: the decimal mark and the thousands mark.
    decimal_mark: str = "."
    thousands_mark: str = ","
    #: Space its typography puts before "%" and before ":" (French: narrow and plain no-break).
    space_before_percent: str = ""
    space_before_colon: str = ""

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


#: Every language, in the order pickers list them; the first is the default.
LANGUAGES: tuple[Language, ...] = (
    Language(
        "fr",
        "Français",
        decimal_mark=",",
        thousands_mark="\u202f",
        space_before_percent="\u202f",
        space_before_colon="\u00a0",
    ),
    Language("en", "English"),
    Language("ar", "العربية", direction="rtl"),
)

#: The codes of :data:`LANGUAGES`, in the same order.
CODES: tuple[str, ...] = tuple(language.code for language in LANGUAGES)

#: The interface language when nothing else decides (``SURVEY_DEFAULT_LANGUAGE`` overrides it).
DEFAULT_LANGUAGE = CODES[0]

#: The language the code's own texts are written in, used when a text is
#: missing in the language asked for.
SOURCE_LANGUAGE = "en"

_BY_CODE: Mapping[str, Language] = {language.code: language for language in LANGUAGES}

#: Each language's name in itself, by code (for templates: a plain mapping).
ENDONYMS: Mapping[str, str] = {language.code: language.endonym for language in LANGUAGES}


def is_supported(code: object) -> bool:
    """Whether ``code`` is the code of a language of :data:`LANGUAGES`."""
    return isinstance(code, str) and code in _BY_CODE


def language(code: str) -> Language:
    """The entry of ``code``; the source language's for a code the service does
    not speak, so that a document asked in another language still reads."""
    return _BY_CODE.get(code) or _BY_CODE[SOURCE_LANGUAGE]


def direction(code: str) -> Literal["ltr", "rtl"]:
    """``"rtl"`` or ``"ltr"``, for a ``dir`` attribute."""
    return language(code).direction


def is_rtl(code: str) -> bool:
    return language(code).rtl
