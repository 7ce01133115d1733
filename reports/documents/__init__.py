"""Report writers, in a registry keyed by format name.

Every writer has the same signature, ``write(source, lang, out)``: it reads a
:class:`ReportSource`, writes the document in ``lang`` to the binary stream
``out`` (a file, so that large exports never sit whole in memory), and returns
nothing. Modules are imported on first use: a CSV export should not pay for
Plotly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import BinaryIO

from reports.data import ProgrammeData, RawResponse


@dataclass(frozen=True)
class ReportSource:
    """What a document is made from: aggregated data (with the per-response
    numeric rows the statistics need) and, for raw-data formats, a way to
    stream every response once."""

    data: ProgrammeData
    raw: Callable[[], Iterable[RawResponse]] = lambda: ()
    #: For a comparison of several programmes of a series; empty otherwise.
    compared: tuple[ProgrammeData, ...] = ()


Writer = Callable[[ReportSource, str, BinaryIO], None]


@dataclass(frozen=True)
class Format:
    """One kind of document: the download page and ``survey report`` both list these."""

    name: str
    #: The file name's suffix, without the dot; "csv" writes a ZIP of CSV files, so "zip".
    extension: str
    media_type: str
    #: "module:function" of the writer.
    target: str
    #: Whether the document holds raw (per-response) data rather than a summary; only a
    #: summary takes the breakdowns and can compare programmes.
    raw_data: bool = False
    #: Whether it draws charts, and so takes the plotly.js bundle to embed (``plotly_js``).
    charts: bool = False
    #: Whether Chromium prints it: a server without Chromium cannot make it.
    printed: bool = False
    #: What its file name says it holds, where two formats share an extension.
    file_word: str = ""

    @property
    def comparable(self) -> bool:
        """Whether a comparison of several programmes can be written in it."""
        return not self.raw_data


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("html", "html", "text/html; charset=utf-8", "reports.documents.html:write_html", charts=True),
        Format("pdf", "pdf", "application/pdf", "reports.documents.pdf_report:write_pdf", charts=True, printed=True),
        Format("json", "json", "application/json", "reports.documents.json_summary:write_json"),
        Format(
            "xlsx",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "reports.documents.xlsx:write_xlsx",
            raw_data=True,
        ),
        Format("csv", "zip", "application/zip", "reports.documents.csv_export:write_csv_zip", raw_data=True),
        Format(
            "csv-semicolon",
            "zip",
            "application/zip",
            "reports.documents.csv_export:write_csv_zip_semicolon",
            raw_data=True,
            file_word="data-semicolon",
        ),
        Format("spss", "sps", "text/plain; charset=utf-8", "reports.documents.syntax:write_spss", raw_data=True),
        Format("r", "R", "text/plain; charset=utf-8", "reports.documents.syntax:write_r", raw_data=True),
    )
}

#: The formats a comparison of programmes can be written in, in registry order.
COMPARISON_FORMATS: tuple[str, ...] = tuple(name for name, spec in FORMATS.items() if spec.comparable)


def writer(name: str) -> Writer:
    """The writer of format ``name``; KeyError for an unknown format."""
    module_name, function = FORMATS[name].target.split(":")
    found: Writer = getattr(import_module(module_name), function)
    return found
