"""Fixed chart words and language helpers, so one dataset reads in every language.

Question texts come from the questionnaire; the few words a chart adds itself
("Before", "Mean", "No answers yet" ...) live here rather than in Babel
catalogues because :mod:`reports` must not depend on the web application.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence

from babel import Locale, UnknownLocaleError

from reports.languages import SOURCE_LANGUAGE, is_rtl, language
from reports.report_labels import REPORT_LABELS

LABELS: Mapping[str, Mapping[str, str]] = {
    "responses": {"fr": "Réponses", "en": "Responses", "ar": "الردود"},
    "responses_over_time": {
        "fr": "Réponses reçues au fil du temps",
        "en": "Responses received over time",
        "ar": "الردود المستلمة بمرور الوقت",
    },
    "expected_participants": {
        "fr": "Participants attendus",
        "en": "Expected participants",
        "ar": "المشاركون المتوقعون",
    },
    "time": {"fr": "Heure", "en": "Time", "ar": "الوقت"},
    "before": {"fr": "Avant", "en": "Before", "ar": "قبل"},
    "after": {"fr": "Après", "en": "After", "ar": "بعد"},
    "mean": {"fr": "Moyenne", "en": "Mean", "ar": "المتوسط"},
    "mean_score": {"fr": "Score moyen", "en": "Mean score", "ar": "متوسط الدرجة"},
    "confidence_interval": {
        "fr": "Intervalle de confiance à 95 %",
        "en": "95% confidence interval",
        "ar": "فترة الثقة 95%",
    },
    "dimension_scores": {
        "fr": "Scores par dimension",
        "en": "Scores by dimension",
        "ar": "الدرجات حسب المحور",
    },
    "share_of_answers": {
        "fr": "Part des réponses",
        "en": "Share of answers",
        "ar": "نسبة الإجابات",
    },
    "number_of_answers": {
        "fr": "Nombre de réponses",
        "en": "Number of answers",
        "ar": "عدد الإجابات",
    },
    "no_answers_yet": {
        "fr": "Pas encore de réponses",
        "en": "No answers yet",
        "ar": "لا توجد إجابات بعد",
    },
    "score": {"fr": "Note", "en": "Score", "ar": "الدرجة"},
    "answer": {"fr": "Réponse", "en": "Answer", "ar": "الإجابة"},
    "detractors": {
        "fr": "Détracteurs (0–6)",
        "en": "Detractors (0–6)",
        "ar": "المنتقدون (0–6)",
    },
    "passives": {
        "fr": "Passifs (7–8)",
        "en": "Passives (7–8)",
        "ar": "المحايدون (7–8)",
    },
    "promoters": {
        "fr": "Promoteurs (9–10)",
        "en": "Promoters (9–10)",
        "ar": "المروّجون (9–10)",
    },
    "net_score": {"fr": "Score net", "en": "Net score", "ar": "النتيجة الصافية"},
    # The documents' own words (titles, table heads, methods note).
    **REPORT_LABELS,
}


def label(key: str, lang: str) -> str:
    """The fixed chart word ``key`` in ``lang`` (English if ``lang`` is unknown).

    Raises :class:`KeyError` for an unknown ``key``: a typo should fail a test,
    not print a blank on a projector.
    """
    texts = LABELS[key]
    return texts.get(lang) or texts[SOURCE_LANGUAGE]


def language_name(code: str, lang: str) -> str:
    """The name of the language ``code`` in ``lang`` ("Arabic" in English, "Arabe"
    in French), from Babel's CLDR data; ``code`` itself if CLDR does not know it."""
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(language(lang).code))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:] if name else code


def localised(texts: Mapping[str, str], lang: str, languages: Sequence[str] = ()) -> str:
    """``texts`` in ``lang``, else in the first of ``languages`` that has it, else any.

    ``languages`` is the questionnaire's language list, whose first entry is
    the language it was written in.
    """
    for candidate in (lang, *languages):
        if texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


def wrap(text: str, width: int = 40) -> str:
    """Escape ``text`` for Plotly's HTML-like labels and break it with ``<br>``.

    Long question texts otherwise push the plot off a phone screen.
    """
    lines = textwrap.wrap(text, width) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def number(value: float, lang: str, decimals: int = 1) -> str:
    """``value`` with the decimal mark of ``lang`` (a comma in French)."""
    return f"{value:.{decimals}f}".replace(".", language(lang).decimal_mark)


def signed(value: float, lang: str) -> str:
    """A rounded number with its sign, "+10"; kept left to right inside Arabic text,
    where the bidirectional algorithm would otherwise show "10+"."""
    text = f"{value:+.0f}"
    # An isolate (LRI ... PDI), not an embedding: it must not pull the neighbouring
    # neutral characters into left-to-right order.
    return f"\u2066{text}\u2069" if is_rtl(lang) else text


def percent(value: float, lang: str) -> str:
    """A rounded percentage, spaced as ``lang`` writes it ("12 %" in French)."""
    return f"{value:.0f}{percent_suffix(lang)}"


def percent_suffix(lang: str) -> str:
    return f"{language(lang).space_before_percent}%"


def separators(lang: str) -> str:
    """Plotly's ``layout.separators``: decimal mark then thousands mark."""
    spec = language(lang)
    return spec.decimal_mark + spec.thousands_mark


def with_value(key: str, value: str, lang: str) -> str:
    """``"Label: value"``, spaced as ``lang`` writes it (French: "Moyenne : 4,2")."""
    return f"{label(key, lang)}{language(lang).space_before_colon}: {value}"
