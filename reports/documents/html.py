"""The evaluation report (or a comparison of programmes) as one self-contained HTML file.

The file opens with the network off: plotly.js is embedded once in the head,
every figure is JSON in the page, and a Content-Security-Policy ``<meta>``
forbids the page from loading anything at all. Every text from the data
(comments above all) goes through Jinja's autoescaping.

plotly.js comes, in this order, from the ``plotly_js`` argument (a path; the
web application passes its vendored 1.5 MB *cartesian* bundle, which has
every trace the reports draw), from the file named by ``SURVEY_PLOTLY_JS``,
or from the ``plotly`` package's full 4.8 MB bundle, which always exists.
This package may not know where the web application keeps its files, so the
path is given, not looked up.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reports import bidi
from reports.caches import REPORT_FILES, memoised
from reports.compare import Comparison, compare
from reports.documents import ReportSource
from reports.documents import figures as fig
from reports.kinds import kind_of
from reports.labels import (
    METHODS_COMPARE,
    METHODS_REPORT,
    label,
    language_name,
    localised,
    methods_notes,
    n_comments,
    n_out_of_range,
    n_writers,
    number,
    percent,
)
from reports.languages import direction
from reports.limitations import comparison_limitations, comparison_sentences, limitation_sentences
from reports.quality import missing_rows, quality_sentences
from reports.summary import EvaluationSummary, summarise

Mode = Literal["screen", "print"]
PLOTLY_ENV = "SURVEY_PLOTLY_JS"


def write_html(
    source: ReportSource,
    lang: str,
    out: BinaryIO,
    *,
    plotly_js: str | Path | None = None,
    breakdowns: Mapping[str, Mapping[str, int]] | None = None,
) -> None:
    """Write the report of ``source.data`` (or the comparison of
    ``source.compared`` when it is not empty) in ``lang``, UTF-8."""
    out.write(render(source, lang, plotly_js=plotly_js, breakdowns=breakdowns).encode("utf-8"))


def render(
    source: ReportSource,
    lang: str,
    *,
    mode: Mode = "screen",
    plotly_js: str | Path | None = None,
    breakdowns: Mapping[str, Mapping[str, int]] | None = None,
) -> str:
    """The page; ``mode="print"`` draws static charts at a fixed width for A4."""
    if source.compared:
        return render_comparison(compare(source.compared), lang, mode=mode, plotly_js=plotly_js)
    summary = summarise(source.data, breakdowns=breakdowns)
    data = fig.published_data(source.data, summary)
    width = fig.PRINT_WIDTH if mode == "print" else None
    found: dict[str, fig.Chart] = {}

    def add(key: str, figure: Any) -> None:
        if figure is not None:
            found[key] = fig.chart(f"chart-{len(found) + 1}", figure, print_width=width)

    add("dimensions", fig.dimension_chart(summary, lang))
    # A programme under its minimum group size shows no answers (reports.disclosure).
    for question in () if summary.small_group else data.questionnaire.questions:
        if not kind_of(question).paired:  # drawn together, in their own section
            add(question.code, fig.question_chart(data, question, lang))
    add("pairs", fig.before_after_chart(data, [p.question.code for p in summary.pairs], lang))
    return (
        _environment()
        .get_template("report.html")
        .render(
            s=summary,
            # Each question in its own article, except the pairs, reported in their own section.
            by_question=[q for q in summary.questions if not kind_of(q.question).paired],
            # Choices whose shares are of every response, since one can tick several.
            of_all_responses={q.question.code for q in summary.questions if kind_of(q.question).multiple},
            charts=found,
            notes=suppression_notes(summary, lang),
            warnings=warning_notes(summary, lang),
            limitations=limitation_sentences(summary.limitations, lang, summary.n_responses, summary.expected),
            quality=quality_sentences(summary.quality, lang) if summary.quality else [],
            missing=missing_rows(summary.quality, lang, summary.questionnaire.languages) if summary.quality else [],
            methods=methods_notes(METHODS_REPORT, lang, summary.minimum_cell),
            **_context(lang, mode, plotly_js, summary.questionnaire.languages),
        )
    )


def warning_notes(summary: EvaluationSummary, lang: str) -> list[str]:
    """The summary's warnings (:func:`reports.summary.data_warnings`) worded in ``lang``."""
    return [
        label(f"warning_{code}", lang).format(
            n=summary.n_responses, expected=summary.expected, held_back=summary.held_back, minimum=summary.minimum_cell
        )
        for code in summary.warnings
    ]


def suppression_notes(summary: EvaluationSummary, lang: str) -> list[str]:
    """One sentence per breakdown that hid groups, naming them in ``lang``."""
    languages = summary.questionnaire.languages
    notes = []
    for hidden in summary.suppressed:
        try:
            question = summary.questionnaire.question(hidden.where)
        except KeyError:
            names = [language_name(c, lang) for c in hidden.cells]
            where = label(f"responses_by_{hidden.where}", lang) if hidden.where == "language" else hidden.where
        else:
            names = [localised(i.label, lang, languages) for i in question.items if i.value in hidden.cells]
            where = localised(question.text, lang, languages)
        cells = f"{where} ({label('list_separator', lang).join(names)})"
        notes.append(label("suppressed_note", lang).format(minimum=hidden.minimum, cells=cells))
    return notes


def render_comparison(
    comparison: Comparison, lang: str, *, mode: Mode = "screen", plotly_js: str | Path | None = None
) -> str:
    width = fig.PRINT_WIDTH if mode == "print" else None
    chart = fig.chart("chart-1", fig.comparison_chart(comparison, lang), print_width=width)
    return (
        _environment()
        .get_template("compare.html")
        .render(
            c=comparison,
            chart=chart,
            limitations=comparison_sentences(comparison_limitations(comparison), lang),
            methods=methods_notes(METHODS_COMPARE, lang, comparison.minimum_group_size),
            **_context(lang, mode, plotly_js, comparison.languages),
        )
    )


def plotly_source(path: str | Path | None = None) -> str:
    """The plotly.js code to embed (see the module docstring for where it comes from).

    :raises FileNotFoundError: if a path is given or configured but missing.
    """
    chosen = path or os.environ.get(PLOTLY_ENV)
    if chosen:
        return _read(str(chosen))
    return _package_plotly()


#: Control characters HTML forbids in a document, even inside a script.
_FORBIDDEN_IN_HTML = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _writable_in_html(script: str) -> str:
    """``script`` with the control characters that HTML forbids written as
    JavaScript escapes (plotly.js holds a few, raw, in its strings and regular
    expressions, where ``\\uXXXX`` means the same character)."""
    return _FORBIDDEN_IN_HTML.sub(lambda found: f"\\u{ord(found.group()):04x}", script)


@memoised(REPORT_FILES)
def _read(path: str) -> str:
    return _writable_in_html(Path(path).read_text(encoding="utf-8"))


@memoised(REPORT_FILES)
def _package_plotly() -> str:
    from plotly.offline import get_plotlyjs

    text: str = get_plotlyjs()
    return _writable_in_html(text)


@memoised(REPORT_FILES)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _context(lang: str, mode: Mode, plotly_js: str | Path | None, languages: tuple[str, ...]) -> dict[str, Any]:
    return {
        "lang": lang,
        "dir": direction(lang),
        "mode": mode,
        # plotly.js holds no "</script": checked by the tests on both bundles.
        "plotly_js": Markup(plotly_source(plotly_js)),  # noqa: S704
        "generated": datetime.now(UTC).date().isoformat(),
        **formatters(lang, languages),
    }


def formatters(lang: str, languages: tuple[str, ...] = ()) -> dict[str, Callable[..., str]]:
    """Number and text formatting for the templates, in ``lang``: a dash for
    a missing number, a decimal comma in French, numbers isolated left to
    right in Arabic."""

    def ltr(text: str) -> str:
        return bidi.ltr(text, lang)

    def num(value: float | None, decimals: int = 2) -> str:
        return "–" if value is None else ltr(number(value, lang, decimals).replace("-", "−"))

    def pct(share: float | None) -> str:
        return "–" if share is None else ltr(percent(100 * share, lang))

    def interval(low: float | None, high: float | None, decimals: int = 2, *, share: bool = False) -> str:
        if low is None or high is None:
            return "–"
        show = pct if share else (lambda v: num(v, decimals))
        return ltr(f"{show(low)} – {show(high)}")

    def pval(p: float | None) -> str:
        """ "p = 0.012", or "p < 0.001"."""
        if p is None:
            return "–"
        return ltr(f"p < {number(0.001, lang, 3)}" if p < 0.001 else f"p = {number(p, lang, 3)}")

    def count(k: int, share: float | None) -> str:
        """ "22 (73 %)": a count and its share, kept in that order in Arabic too."""
        return ltr(f"{k} ({percent(100 * share, lang)})" if share is not None else str(k))

    def statistic(name: str, value: float | None, p: float | None, decimals: int = 2) -> str:
        """ "t(29) = 6.28, p < 0.001"."""
        if value is None or p is None:
            return "–"
        shown = number(value, lang, decimals).replace("-", "−")
        return ltr(f"{name} = {shown}, {bidi.plain(pval(p))}")

    def text(key: str, **values: object) -> str:
        return label(key, lang).format(**values)

    def reason(code: str, minimum: int = 5) -> str:
        return text(f"withheld_{code}", minimum=minimum)

    def tx(texts: Mapping[str, str]) -> str:
        return localised(texts, lang, languages)

    def lang_name(code: str) -> str:
        return language_name(code, lang)

    def comments(n: int) -> str:
        return n_comments(n, lang)

    def out_of_range(n: int) -> str:
        return n_out_of_range(n, lang)

    def writers(n: int) -> str:
        return n_writers(n, lang)

    return {"num": num, "pct": pct, "ci": interval, "pval": pval, "count": count, "statistic": statistic,
            "t": text, "reason": reason, "tx": tx, "lang_name": lang_name, "ltr": ltr,
            "n_comments": comments, "n_out_of_range": out_of_range, "n_writers": writers}  # fmt: skip
