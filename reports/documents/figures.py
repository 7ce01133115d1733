"""The figures of the HTML and PDF reports, as JSON safe to embed in a page.

The charts themselves come from :mod:`reports.charts`; this module feeds
them what the summary publishes (small groups removed) and adds the one
figure only a comparison needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from reports import bidi, charts, disclosure
from reports.bidi import n_equals
from reports.chart_style import INK, TEAL, TEAL_STRONG, bars_height, base_layout, mirror
from reports.compare import Comparison
from reports.data import ProgrammeData, Question
from reports.kinds import kind_of
from reports.labels import label, localised, number, wrap
from reports.summary import EvaluationSummary, dimension_means, dimension_scale

#: Width of a chart on an A4 page with the report's margins, in CSS pixels.
PRINT_WIDTH = 680
#: Colours of the programmes in a comparison, in order (then repeated).
PROGRAMME_COLOURS = (TEAL_STRONG, "#8c510a", "#5e3c99", TEAL, "#bf812d", "#878787")


@dataclass(frozen=True)
class Chart:
    """A figure ready for ``Plotly.newPlot``: ``spec`` is JSON with ``data``
    and ``layout``, with ``<``, ``>`` and ``&`` escaped so that no text in it
    can close the ``<script>`` element that holds it."""

    id: str
    spec: str


def published_data(data: ProgrammeData, summary: EvaluationSummary) -> ProgrammeData:
    """``data`` as the charts may show it: session rows hidden by small-cell
    suppression are left out (:func:`reports.disclosure.published_data`)."""
    return disclosure.published_data(data)


def question_chart(data: ProgrammeData, question: Question, lang: str) -> go.Figure | None:
    """The chart of one question, or None (free text; a matrix with every row hidden)."""
    if kind_of(question).per_session and not question.items:
        return None
    return charts.figure_for_question(data, question, lang)


def dimension_chart(summary: EvaluationSummary, lang: str) -> go.Figure | None:
    if not summary.dimensions:
        return None
    scale = dimension_scale([summary.questionnaire])
    return charts.dimension_bars(dimension_means(summary.dimensions), summary.questionnaire, lang, scale=scale)


def before_after_chart(data: ProgrammeData, codes: Sequence[str], lang: str) -> go.Figure | None:
    return charts.before_after_dumbbell(data, codes, lang) if codes else None


def comparison_chart(comparison: Comparison, lang: str) -> go.Figure:
    """Grouped bars: one group per dimension, one bar per programme, with its interval."""
    languages = comparison.languages
    rows = [wrap(localised(d.label, lang, languages) or d.code) for d in comparison.dimensions]
    height = bars_height(rows) * max(1, len(comparison.programmes)) // 2 + 80
    fig = go.Figure(layout=base_layout(lang, label("dimension_scores", lang), height))
    for index, compared in enumerate(comparison.programmes):
        cells = [r.summary if (r := d.cells[index]) else None for d in comparison.dimensions]
        means = [c.mean if c else None for c in cells]
        fig.add_trace(
            go.Bar(
                x=means,
                y=rows,
                orientation="h",
                name=wrap(compared.programme.title, 50),
                marker={"color": PROGRAMME_COLOURS[index % len(PROGRAMME_COLOURS)]},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        c.ci_high - c.mean if c and c.mean is not None and c.ci_high is not None else 0 for c in cells
                    ],
                    "arrayminus": [
                        c.mean - c.ci_low if c and c.mean is not None and c.ci_low is not None else 0 for c in cells
                    ],
                    "color": INK,
                    "thickness": 1.5,
                },
                text=[
                    f"{bidi.ltr(number(m, lang), lang)} ({n_equals(c.n, lang)})" if c and m is not None else ""
                    for m, c in zip(means, cells, strict=True)
                ],
                textposition="inside",
                insidetextanchor="start",
                hoverinfo="x+y+name",
            )
        )
    fig.update_layout(barmode="group", bargap=0.25)
    scale = comparison.scale
    fig.update_xaxes(title={"text": label("mean_score", lang)}, **({"range": [0, scale[1]]} if scale else {}))
    fig.update_yaxes(autorange="reversed")
    return mirror(fig, lang)


def chart(chart_id: str, fig: go.Figure, *, print_width: int | None = None) -> Chart:
    """Embed ``fig``; for print, at a fixed width that fits the page."""
    if print_width:
        fig.update_layout(width=print_width, autosize=False)
    text = charts.figure_json(fig)
    return Chart(chart_id, text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
