"""The evaluation report (or a comparison) as an A4 PDF, printed by headless Chromium.

It is the HTML report in print mode: the charts are drawn as static SVG at a
width that fits the page, and the page numbers come from the ``@page`` rules
of the report's own stylesheet. Chromium lays out Arabic right to left with
proper shaping, inside the charts too. Everything the page needs is in it, so
printing uses no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from reports.documents import ReportSource
from reports.documents.chromium import html_to_pdf
from reports.documents.html import render


def write_pdf(
    source: ReportSource,
    lang: str,
    out: BinaryIO,
    *,
    plotly_js: str | Path | None = None,
    breakdowns: Mapping[str, Mapping[str, int]] | None = None,
) -> None:
    """Write the PDF of ``source`` in ``lang``.

    :raises reports.documents.chromium.PdfUnavailable: without Chromium.
    :raises RuntimeError: if Chromium fails to print.
    """
    html = render(source, lang, mode="print", plotly_js=plotly_js, breakdowns=breakdowns)
    out.write(html_to_pdf(html))
