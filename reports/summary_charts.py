"""Charts of the programme as a whole: arrivals over time and dimension scores.

Unlike :mod:`reports.charts` (which re-exports them), these take numbers
computed elsewhere, not the questionnaire's tallies: submission times, and
dimension means with their intervals from :mod:`reports.stats`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from reports import bidi
from reports.chart_style import (
    BROWN_STRONG,
    INK,
    TEAL,
    TEAL_STRONG,
    bars_height,
    base_layout,
    count_axis,
    empty,
    mirror,
)
from reports.data import Questionnaire
from reports.labels import label, localised, number, with_value, wrap
from reports.languages import is_rtl

#: Tick steps of the arrivals' time axis, in minutes: never under a minute, as
#: the labels show hours and minutes, so no label repeats ("04:21" four times
#: when everyone answered within a minute).
TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)
#: At most this many ticks: their two-line labels must fit a phone's width.
MAX_TIME_TICKS = 6
#: The shortest time axis shown, so that a burst of answers still gets ticks.
MIN_TIME_SPAN = timedelta(minutes=2)


def dimension_bars(
    means: Mapping[str, tuple[float | None, float | None, float | None]],
    questionnaire: Questionnaire,
    lang: str,
    *,
    scale: tuple[float, float] | None = None,
) -> go.Figure:
    """Mean score per dimension as a bar with its confidence interval as error bar.

    ``means`` maps a dimension code to ``(mean, ci_low, ci_high)``, computed by
    :mod:`reports.stats`; ``None`` means not computable. Dimensions are shown in
    ``questionnaire.dimensions`` order. ``scale`` (e.g. ``(1, 5)``) fixes the
    axis so charts of different programmes compare.
    """
    codes = [c for c in questionnaire.dimensions if c in means] + [
        c for c in means if c not in questionnaire.dimensions
    ]
    rows = [wrap(localised(questionnaire.dimensions.get(c, {}), lang, questionnaire.languages) or c) for c in codes]
    fig = go.Figure(layout=base_layout(lang, label("dimension_scores", lang), bars_height(rows) + 40))
    if all(means[c][0] is None for c in codes):
        return empty(fig, lang)
    xs, plus, minus, hover = [], [], [], []
    for c in codes:
        mean, low, high = means[c]
        xs.append(mean)
        plus.append(high - mean if mean is not None and high is not None else 0.0)
        minus.append(mean - low if mean is not None and low is not None else 0.0)
        interval = (
            bidi.ltr(f"{number(low, lang, 2)} – {number(high, lang, 2)}", lang)
            if low is not None and high is not None
            else "–"
        )
        hover.append([number(mean, lang, 2) if mean is not None else "–", interval])
    fig.add_trace(
        go.Bar(
            x=xs,
            y=rows,
            orientation="h",
            marker={"color": TEAL},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": INK,
                "thickness": 2,
            },
            text=[number(m, lang) if m is not None else "" for m in xs],
            textposition="inside",
            insidetextanchor="start",
            customdata=hover,
            hovertemplate=(
                f"%{{y}}<br>{label('mean', lang)}: %{{customdata[0]}}"
                f"<br>{label('confidence_interval', lang)}: %{{customdata[1]}}<extra></extra>"
            ),
            showlegend=False,
        )
    )
    fig.update_xaxes(
        title={"text": label("mean_score", lang)},
        **({"range": [0, scale[1]]} if scale else {}),
    )
    fig.update_yaxes(autorange="reversed")
    return mirror(fig, lang)


def arrivals(
    submitted_at: Sequence[datetime],
    lang: str,
    tz: str | None = None,
    expected: int | None = None,
) -> go.Figure:
    """Cumulative responses over time as a step line, in time zone ``tz`` (UTC if None).

    Naive datetimes are taken as UTC. ``expected`` draws the expected number of
    participants as a dashed line. An unknown ``tz`` raises
    :class:`zoneinfo.ZoneInfoNotFoundError`.
    """
    zone: tzinfo = ZoneInfo(tz) if tz else UTC
    times = sorted(_wall_clock(t, zone) for t in submitted_at)
    count = f"{len(times)} / {expected}" if expected else str(len(times))
    fig = go.Figure(layout=base_layout(lang, f"{label('responses_over_time', lang)} · {count}", 340))
    if not times:
        return empty(fig, lang)
    fig.add_trace(
        go.Scatter(
            x=[times[0], *times],
            y=list(range(len(times) + 1)),
            mode="lines",
            line={"shape": "hv", "color": TEAL_STRONG, "width": 3},
            fill="tozeroy",
            fillcolor="rgba(1,102,94,0.12)",
            name=label("responses", lang),
            hovertemplate="%{x|%d/%m %H:%M}: %{y}<extra></extra>",
            showlegend=False,
        )
    )
    if expected:
        rtl = is_rtl(lang)
        fig.add_shape(
            type="line",
            xref="paper",
            x0=0,
            x1=1,
            y0=expected,
            y1=expected,
            line={"color": BROWN_STRONG, "dash": "dash", "width": 2},
        )
        fig.add_annotation(
            text=with_value("expected_participants", str(expected), lang),
            xref="paper", x=1 if rtl else 0, xanchor="right" if rtl else "left",
            y=expected, yanchor="bottom", showarrow=False, font={"color": BROWN_STRONG},
        )  # fmt: skip
    fig.update_xaxes(
        type="date", **time_axis(times[0], times[-1]), title={"text": f"{label('time', lang)} ({tz or 'UTC'})"}
    )
    top = max(len(times), expected or 0)
    fig.update_yaxes(
        **count_axis(top),
        range=[0, top * 1.12 + 0.5],
        title={"text": label("responses", lang)},
    )
    return mirror(fig, lang)


def time_axis(first: datetime, last: datetime) -> dict[str, Any]:
    """Date-axis ticks for times from ``first`` to ``last``: a step from
    :data:`TIME_STEPS` (in milliseconds, plotly's unit) giving at most
    :data:`MAX_TIME_TICKS` ticks, and an explicit range of whole minutes, at
    least :data:`MIN_TIME_SPAN` long, when the answers came in a burst.
    Spans longer than the largest step get plotly's own ticks, days at least.
    """
    span = last - first
    minutes = next((m for m in TIME_STEPS if span <= timedelta(minutes=m * (MAX_TIME_TICKS - 1))), None)
    # Numeric dates: month names would need the page's plotly locale, and ar's is incomplete.
    if minutes is None:
        return {"tickformat": "%d/%m", "nticks": MAX_TIME_TICKS}
    axis: dict[str, Any] = {
        "dtick": minutes * 60_000,
        "tickformat": "%H:%M<br>%d/%m" if minutes < 1440 else "%d/%m",
    }
    if span < MIN_TIME_SPAN:
        start = first.replace(second=0, microsecond=0)
        end = max(start + MIN_TIME_SPAN, last)
        if end.second or end.microsecond:
            end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
        axis["range"] = [start, end]
    return axis


def _wall_clock(moment: datetime, zone: tzinfo) -> datetime:
    """Local wall-clock time without offset: plotly.js dates ignore UTC offsets."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).replace(tzinfo=None)
