"""Data -> Plotly figures, shared by the live dashboard and the documents.

Every function takes ``lang`` (a code of :mod:`reports.languages`) and labels the figure in it,
falling back to the questionnaire's first language for missing texts. Arabic
figures mirror like the page: category axis on the right, value axis reversed.
Each figure tolerates zero answers by showing an empty plot with a
"No answers yet" annotation (``name="no_answers"``). The look lives in
:mod:`reports.chart_style`; the programme-level charts (:func:`arrivals`,
:func:`dimension_bars`) live in :mod:`reports.summary_charts` and are
re-exported here, so callers import every chart from this module.

The Plotly logo, the mode bar and responsiveness are *config*, not figure,
options: the page passes ``{"displaylogo": false, "responsive": true,
"locale": lang}`` to ``Plotly.newPlot``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import plotly.graph_objects as go
import plotly.io as pio

from reports import bidi
from reports.bidi import n_equals
from reports.chart_style import (
    BROWN_STRONG,
    HEAT_SCALE,
    MUTED,
    NEUTRAL,
    TEAL,
    TEAL_STRONG,
    bars_height,
    base_layout,
    count_axis,
    diverging_colours,
    empty,
    mirror,
)
from reports.data import ProgrammeData, Question, option_count
from reports.kinds import Chart, kind_of
from reports.labels import label, localised, number, percent, percent_suffix, signed, with_value, wrap
from reports.summary_charts import arrivals, dimension_bars

__all__ = [
    "arrivals",
    "before_after_dumbbell",
    "choice_bars",
    "dimension_bars",
    "figure_for_question",
    "figure_json",
    "likert_diverging",
    "matrix_heatmap",
    "rating_distribution",
]

BEFORE_ITEM, AFTER_ITEM = "before", "after"
#: Characters per line of a question text used as a bar's label: on a phone,
#: 40 left the bars too little room and pushed the axis title out of the card.
QUESTION_WRAP = 30


def likert_diverging(data: ProgrammeData, codes: Sequence[str], lang: str) -> go.Figure:
    """Diverging stacked bars, one per Likert question, in % of that question's answers.

    Points below the middle go left (negative), above it right; an odd scale's
    middle point is split half and half around zero. All ``codes`` must share
    one scale (:class:`ValueError` otherwise); unknown codes raise :class:`KeyError`.
    """
    questionnaire = data.questionnaire
    questions = [questionnaire.question(code) for code in codes]
    if not questions or any(q.points != questions[0].points for q in questions):
        raise ValueError("likert_diverging needs one or more questions on the same scale")
    points = questions[0].points
    names = _point_labels(questions[0], lang, questionnaire.languages)
    rows = [wrap(localised(q.text, lang, questionnaire.languages), QUESTION_WRAP) for q in questions]
    counts = [_scale_counts(data, q) for q in questions]
    totals = [sum(row) for row in counts]
    shares = [[_share(c, total) for c in row] for row, total in zip(counts, totals, strict=True)]

    # Room for the legend too: on a phone each point label takes a line.
    fig = go.Figure(layout=base_layout(lang, None, bars_height(rows) + 20 * len(points)))
    if not any(totals):
        return empty(fig, lang)
    half, colours = len(points) // 2, diverging_colours(len(points))
    # Plotly stacks in trace order from zero outwards: nearest-middle points first.
    segments: list[tuple[int, float]] = []
    if len(points) % 2:
        segments += [(half, -0.5), (half, 0.5)]
    segments += [(i, -1.0) for i in reversed(range(half))]
    segments += [(i, 1.0) for i in range(len(points) - half, len(points))]
    suffix = percent_suffix(lang)
    for index, factor in segments:
        fig.add_trace(
            go.Bar(
                y=rows,
                x=[factor * row[index] for row in shares],
                orientation="h",
                name=names[index],
                legendgroup=f"point{index}",
                legendrank=100 + index,
                showlegend=factor != -0.5,
                marker={"color": colours[index], "line": {"width": 0}},
                text=[percent(row[index], lang) if abs(factor) == 1 and row[index] >= 5 else "" for row in shares],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                customdata=[[c[index], s[index], n] for c, s, n in zip(counts, shares, totals, strict=True)],
                hovertemplate=(
                    f"%{{y}}<br><b>{wrap(names[index])}</b>: %{{customdata[0]}}"
                    f" (%{{customdata[1]:.0f}}{suffix})<br>{bidi.ltr('n = %{customdata[2]}', lang)}<extra></extra>"
                ),
            )
        )
    fig.update_layout(barmode="relative", bargap=0.3)
    fig.update_xaxes(
        range=[-100, 100],
        tickvals=[-100, -50, 0, 50, 100],
        # Grid lines at 50 % but no label, which would not fit beside long questions on a phone.
        ticktext=[percent(100, lang), "", "0", "", percent(100, lang)],
        zeroline=True,
        zerolinecolor=MUTED,
        title={"text": label("share_of_answers", lang)},
    )
    fig.update_yaxes(autorange="reversed")
    return mirror(fig, lang)


def rating_distribution(data: ProgrammeData, code: str, lang: str) -> go.Figure:
    """Answer counts for each point of a 0-10 rating, with the net score in the title.

    Net score = % promoters (9-10) - % detractors (0-6) of the answers to this
    question, from -100 to +100; passives (7-8) count only in the base.
    """
    questionnaire = data.questionnaire
    question = questionnaire.question(code)
    points = question.points or tuple(range(11))
    counts = _scale_counts(data, question, points=points)
    total = sum(counts)
    groups = (
        ("detractors", BROWN_STRONG, [p for p in points if p <= 6]),
        ("passives", NEUTRAL, [p for p in points if 7 <= p <= 8]),
        ("promoters", TEAL, [p for p in points if p >= 9]),
    )
    by_point = dict(zip(points, counts, strict=True))
    title = wrap(localised(question.text, lang, questionnaire.languages))
    if total:
        detractors, _, promoters = (sum(by_point[p] for p in group) for _, _, group in groups)
        net = _share(promoters, total) - _share(detractors, total)
        title += f"<br><sup>{with_value('net_score', signed(net, lang), lang)} · {n_equals(total, lang)}</sup>"
    fig = go.Figure(layout=base_layout(lang, title, 360))
    if not total:
        return empty(fig, lang)
    suffix = percent_suffix(lang)
    for key, colour, group in groups:
        fig.add_trace(
            go.Bar(
                x=group,
                y=[by_point[p] for p in group],
                name=label(key, lang),
                marker={"color": colour},
                text=[str(by_point[p]) for p in group],
                textposition="outside",
                customdata=[_share(by_point[p], total) for p in group],
                hovertemplate=f"%{{x}}: %{{y}} (%{{customdata:.0f}}{suffix})<extra>{label(key, lang)}</extra>",
            )
        )
    fig.update_xaxes(
        tickvals=list(points),
        range=[min(points) - 0.5, max(points) + 0.5],
        title={"text": label("score", lang)},
    )
    fig.update_yaxes(**count_axis(max(counts)), title={"text": label("number_of_answers", lang)})
    return mirror(fig, lang)


def _side_name(questions: Sequence[Question], item: str, lang: str, languages: Sequence[str]) -> str:
    """A before/after side as the questions' items name it, the words the exports use."""
    for question in questions:
        for option in question.items:
            if option.value == item:
                return localised(option.label, lang, languages)
    return item


def before_after_dumbbell(data: ProgrammeData, codes: Sequence[str], lang: str) -> go.Figure:
    """Mean self-rating before vs after, one dumbbell per before/after question.

    Means are weighted by the tallies of the ``"before"`` and ``"after"`` items;
    a side with no answers is left out.
    """
    questionnaire = data.questionnaire
    questions = [questionnaire.question(code) for code in codes]
    rows = [wrap(localised(q.text, lang, questionnaire.languages), QUESTION_WRAP) for q in questions]
    sides = {
        item: [_mean(q.points, _scale_counts(data, q, item)) for q in questions] for item in (BEFORE_ITEM, AFTER_ITEM)
    }
    fig = go.Figure(layout=base_layout(lang, None, bars_height(rows)))
    if all(m is None for means in sides.values() for m, _ in means):
        return empty(fig, lang)
    line_x: list[float | None] = []
    line_y: list[str | None] = []
    for row, (before, _), (after, _) in zip(rows, sides[BEFORE_ITEM], sides[AFTER_ITEM], strict=True):
        if before is not None and after is not None:
            line_x += [before, after, None]
            line_y += [row, row, None]
    fig.add_trace(
        go.Scatter(
            x=line_x,
            y=line_y,
            mode="lines",
            line={"color": NEUTRAL, "width": 4},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    for item, colour, symbol in (
        (BEFORE_ITEM, BROWN_STRONG, "circle-open"),
        (AFTER_ITEM, TEAL_STRONG, "circle"),
    ):
        name = _side_name(questions, item, lang, questionnaire.languages)
        fig.add_trace(
            go.Scatter(
                x=[m for m, _ in sides[item]],
                y=rows,
                mode="markers",
                name=name,
                marker={
                    "color": colour,
                    "symbol": symbol,
                    "size": 14,
                    "line": {"width": 3, "color": colour},
                },
                customdata=[[bidi.ltr(number(m, lang), lang) if m is not None else "", n] for m, n in sides[item]],
                hovertemplate=(
                    f"%{{y}}<br>{name}: %{{customdata[0]}} ({bidi.ltr('n = %{customdata[1]}', lang)})<extra></extra>"
                ),
            )
        )
    scale = sorted({p for q in questions for p in q.points})
    fig.update_xaxes(
        tickvals=scale,
        range=[scale[0] - 0.3, scale[-1] + 0.3],
        title={"text": label("mean", lang)},
    )
    fig.update_yaxes(autorange="reversed")
    return mirror(fig, lang)


def matrix_heatmap(data: ProgrammeData, code: str, lang: str) -> go.Figure:
    """Sessions (the matrix items) x scale points, cells annotated with answer counts.

    Cells are shaded by their share of the row so sessions with fewer answers
    still compare; each row label carries the session's mean and n.
    """
    questionnaire = data.questionnaire
    question = questionnaire.question(code)
    languages = questionnaire.languages
    columns = [wrap(name, 12) for name in _point_labels(question, lang, languages)]
    counts = [_scale_counts(data, question, item.value) for item in question.items]
    totals = [sum(row) for row in counts]
    rows = []
    for item, row, total in zip(question.items, counts, totals, strict=True):
        mean, _ = _mean(question.points, row)
        summary = with_value("mean", bidi.ltr(number(mean, lang), lang), lang) + " · " if mean is not None else ""
        counted = n_equals(total, lang)
        rows.append(f"{wrap(localised(item.label, lang, languages), 30)}<br><sup>{summary}{counted}</sup>")
    title = wrap(localised(question.text, lang, languages))
    fig = go.Figure(layout=base_layout(lang, title, 140 + 52 * max(len(rows), 1)))
    if not any(totals):
        return empty(fig, lang)
    shares = [[_share(c, total) if total else None for c in row] for row, total in zip(counts, totals, strict=True)]
    fig.add_trace(
        go.Heatmap(
            z=shares,
            x=columns,
            y=rows,
            text=[[str(c) for c in row] for row in counts],
            texttemplate="%{text}",
            colorscale=HEAT_SCALE,
            zmin=0,
            zmax=100,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate=f"%{{y}}<br>%{{x}}: %{{text}} (%{{z:.0f}}{percent_suffix(lang)})<extra></extra>",
        )
    )
    fig.update_xaxes(showgrid=False)
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return mirror(fig, lang)


def choice_bars(data: ProgrammeData, code: str, lang: str) -> go.Figure:
    """Horizontal bars of option counts for a single or multiple choice question.

    Shares are of the answers for a single choice, and of all responses for a
    ``multiple_choice``, whose options can add up to more than 100 %.
    """
    questionnaire = data.questionnaire
    question = questionnaire.question(code)
    rows = [wrap(localised(o.label, lang, questionnaire.languages)) for o in question.options]
    counts = [option_count(data.tallies, question, option.value) for option in question.options]
    base = data.n_responses if kind_of(question).multiple else sum(counts)
    title = wrap(localised(question.text, lang, questionnaire.languages)) + f"<br><sup>{n_equals(base, lang)}</sup>"
    fig = go.Figure(layout=base_layout(lang, title, bars_height(rows) + 40))
    if not any(counts):
        return empty(fig, lang)
    fig.add_trace(
        go.Bar(
            x=counts,
            y=rows,
            orientation="h",
            marker={"color": TEAL},
            text=[f"{c} ({percent(_share(c, base), lang)})" for c in counts],
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_xaxes(**count_axis(max(counts)), title={"text": label("number_of_answers", lang)})
    fig.update_yaxes(autorange="reversed")
    return mirror(fig, lang)


def figure_for_question(data: ProgrammeData, question: Question, lang: str) -> go.Figure | None:
    """The figure its kind draws (:attr:`reports.kinds.ReportKind.chart`); ``None`` for a kind
    without one (free text)."""
    chart = kind_of(question).chart
    return None if chart is None else _DRAW[chart](data, question.code, lang)


#: How each chart of :class:`reports.kinds.Chart` draws one question: (data, code, lang).
_DRAW: dict[Chart, Callable[[ProgrammeData, str, str], go.Figure]] = {
    Chart.DIVERGING: lambda data, code, lang: likert_diverging(data, [code], lang),
    Chart.DISTRIBUTION: rating_distribution,
    Chart.DUMBBELL: lambda data, code, lang: before_after_dumbbell(data, [code], lang),
    Chart.HEATMAP: matrix_heatmap,
    Chart.BARS: choice_bars,
}


def figure_json(fig: go.Figure) -> str:
    """Compact JSON for ``Plotly.newPlot(el, spec.data, spec.layout, config)`` on the dashboard."""
    text: str = pio.to_json(fig, validate=False, pretty=False, remove_uids=True)
    return text


def _scale_counts(data: ProgrammeData, question: Question, item: str = "", points: Sequence[int] = ()) -> list[int]:
    """Answer counts per scale point, in scale order; values off the scale are ignored."""
    counts = dict.fromkeys(points or question.points, 0)
    for tally in data.tallies:
        if tally.question == question.code and tally.item == item:
            try:
                point = int(tally.value)
            except ValueError:
                continue
            if point in counts:
                counts[point] += tally.count
    return list(counts.values())


def _point_labels(question: Question, lang: str, languages: Sequence[str]) -> list[str]:
    """Scale point labels in ``lang`` (or a fallback language); the numbers if none fit."""
    for candidate in (lang, *languages, *question.point_labels):
        names = question.point_labels.get(candidate, ())
        if len(names) == len(question.points) and all(names):
            return list(names)
    return [str(p) for p in question.points]


def _mean(points: Sequence[int], counts: Sequence[int]) -> tuple[float | None, int]:
    """(mean, n) of a tallied scale; the mean is None with no answers."""
    n = sum(counts)
    return (sum(p * c for p, c in zip(points, counts, strict=True)) / n if n else None), n


def _share(count: int, total: int) -> float:
    return 100 * count / total if total else 0.0
