"""The look shared by every chart: fonts, palette, layout, right-to-left mirroring.

Kept apart from :mod:`reports.charts` so that what a chart shows and how all
charts look can change independently.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from reports.labels import label, separators
from reports.languages import is_rtl

FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans Arabic', sans-serif"
INK = "#333333"
MUTED = "#757575"
GRID = "#e0e0e0"
NEUTRAL = "#bdbdbd"
# ColorBrewer BrBG: brown/teal stays distinct for the common colour-blindnesses.
BROWN_STRONG, BROWN_LIGHT = "#8c510a", "#dfc27d"
TEAL_LIGHT, TEAL_STRONG = "#80cdc1", "#01665e"
TEAL = "#35978f"
HEAT_SCALE = [[0.0, "#f5f5f5"], [1.0, TEAL_STRONG]]
#: Pixels between the tick labels and the title of an axis (more for a y axis in Arabic: see mirror()).
TITLE_STANDOFF, RTL_TITLE_STANDOFF = 8, 16


def base_layout(lang: str, title: str | None, height: int) -> dict[str, Any]:
    """Shared layout: system fonts, see-through background, margins that fit a phone.

    Axes grow their margins to fit their labels (``automargin``), so the fixed
    margins stay small. The legend sits at the bottom of the figure, where it
    cannot collide with a long title, starting at the reading side.
    """
    rtl = is_rtl(lang)
    axis = {
        "automargin": True,
        "gridcolor": GRID,
        "linecolor": GRID,
        "zeroline": False,
        "title": {"standoff": TITLE_STANDOFF},
    }
    return {
        "template": "none",  # plotly.py's default template adds ~6 kB of JSON per figure
        "font": {"family": FONT_FAMILY, "size": 13, "color": INK},
        "title": {
            "text": title or "",
            "x": 0.99 if rtl else 0.01,
            "xanchor": "right" if rtl else "left",
            "font": {"size": 16},
        },
        "paper_bgcolor": "rgba(255,255,255,0)",
        "plot_bgcolor": "rgba(255,255,255,0.6)",
        "height": height,
        "margin": {"l": 20, "r": 20, "t": 72 if title else 24, "b": 8, "pad": 4},
        "separators": separators(lang),
        "hoverlabel": {
            "align": "right" if rtl else "left",
            "font": {"family": FONT_FAMILY},
        },
        "legend": {
            "orientation": "h",
            # From the figure's edge, not the plot area's, which long labels push aside on a phone.
            "xref": "container",
            "x": 1 if rtl else 0,
            "xanchor": "right" if rtl else "left",
            "yref": "container",
            "y": 0,
            "yanchor": "bottom",
            # A horizontal legend fills left to right: reversed, a one-row legend starts on the right
            # where Arabic reading starts, and matches the order of the mirrored bars.
            "traceorder": "reversed" if rtl else "normal",
        },
        "xaxis": dict(axis),
        "yaxis": dict(axis),
    }


def mirror(fig: go.Figure, lang: str) -> go.Figure:
    """For right-to-left languages: y axis labels on the right, x axis reversed, texts embedded RTL.

    Call it last: it flips an explicit x range, or reverses the automatic one,
    and rewrites the texts already in the figure (see :func:`embed_rtl`).
    """
    if not is_rtl(lang):
        return fig
    # Plotly places a rotated axis title by its font size, but Arabic letters rise
    # above a Latin ascent: on the right, they turned towards the tick labels and
    # touched them ("الردود" over "20"). More standoff keeps them apart.
    fig.update_yaxes(side="right", title_standoff=RTL_TITLE_STANDOFF)
    x_range = fig.layout.xaxis.range
    if x_range is not None:
        fig.update_xaxes(range=[x_range[1], x_range[0]])
    else:
        fig.update_xaxes(autorange="reversed")
    layout = fig.layout
    layout.title.text = embed_rtl(layout.title.text)
    for axis in (layout.xaxis, layout.yaxis):
        axis.title.text = embed_rtl(axis.title.text)
    for annotation in layout.annotations:
        annotation.text = embed_rtl(annotation.text)
    for trace in fig.data:
        for prop in ("name", "hovertemplate", "text", "x", "y"):
            if prop in trace and trace[prop] is not None:
                trace[prop] = embed_rtl(trace[prop])
    return fig


def embed_rtl(value: Any) -> Any:
    """Mark each ``<br>`` line of Arabic (or Hebrew) text as right to left.

    Plotly draws labels as SVG text with a left-to-right base direction, so
    "نسبة الإجابات (%)" or "المتوسط: 4.2" would show their brackets, colon or
    number on the wrong side. A RIGHT-TO-LEFT EMBEDDING ... POP DIRECTIONAL
    FORMATTING pair (invisible) fixes the line. Other values, and lines without
    right-to-left letters (a French fallback text), pass unchanged; sequences
    are processed item by item.
    """
    if isinstance(value, str):
        lines = value.split("<br>")
        return "<br>".join(f"\u202b{line}\u202c" if _has_rtl_letter(line) else line for line in lines)
    if isinstance(value, (list, tuple)):
        return [embed_rtl(item) for item in value]
    return value


def _has_rtl_letter(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def empty(fig: go.Figure, lang: str) -> go.Figure:
    """Hide the axes and say "No answers yet" (annotation ``name="no_answers"``)."""
    fig.add_annotation(
        name="no_answers",
        text=label("no_answers_yet", lang),
        xref="paper",
        yref="paper",
        x=0.5,
        y=0.5,
        showarrow=False,
        font={"size": 16, "color": MUTED},
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return mirror(fig, lang)


def count_axis(top: int) -> dict[str, Any]:
    """Whole-number ticks (no "0.5 answers") at 1, 2, 5, 10, 20 ... for counts up to ``top``."""
    step = 1
    while step * 5 < top:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return {"tick0": 0, "dtick": step, "rangemode": "tozero"}


def bars_height(rows: Sequence[str]) -> int:
    """Pixel height giving each (``<br>``-wrapped) category label room, so bars are not squeezed."""
    return 130 + sum(30 + 16 * row.count("<br>") for row in rows)


def diverging_colours(n: int) -> list[str]:
    """``n`` colours for an ordered scale: browns below the middle, grey middle (odd n), teals above."""
    half = n // 2
    middle = [NEUTRAL] if n % 2 else []
    return _ramp(BROWN_STRONG, BROWN_LIGHT, half) + middle + _ramp(TEAL_LIGHT, TEAL_STRONG, half)


def _ramp(start: str, end: str, k: int) -> list[str]:
    """``k`` colours evenly from ``start`` to ``end`` (their midpoint when k is 1)."""
    a, b = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in (start, end))
    steps = [0.5] if k == 1 else [i / (k - 1) for i in range(k)]
    return ["#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True)) for t in steps]
