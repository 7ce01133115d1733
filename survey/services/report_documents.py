"""Report documents of a programme, or of several programmes compared.

What a document is made from (:func:`report_source`): the SQL tallies, the
responses by language and the per-response numeric rows (for alpha and the
paired tests) from :mod:`survey.services.aggregates`, which never count an
excluded response; and, for the raw-data formats, a generator over every
response that is only opened if the writer asks for it. The documents
themselves are written by :mod:`reports.documents`; the raw data of a
programme under its minimum group size only after a logged confirmation
(:mod:`survey.services.disclosure`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import partial
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports import languages
from reports.data import RawResponse
from reports.documents import COMPARISON_FORMATS, FORMATS, ReportSource, writer
from reports.documents.chromium import PdfUnavailable
from survey.models import Programme, ProgrammeGrant, Role, User
from survey.services import DomainError, disclosure
from survey.services.aggregates import Scope, programme_data
from survey.services.anonymity import figures_scope, group_size_of

#: plotly.js for the HTML and PDF reports, under the static folder: the bundle the
#: live dashboard serves, which holds every chart type the reports draw.
PLOTLY_BUNDLE = "vendor/plotly/plotly-cartesian.min.js"


class ReportError(DomainError):
    """A report that cannot be made as asked."""


class UnknownFormat(ReportError):
    pass


class UnknownLanguage(ReportError):
    pass


class FormatNotInstalled(ReportError):
    """The writer of a format is missing from this installation."""


class PdfNotAvailable(ReportError):
    """No Chromium on the server: PDF cannot be printed (HTML can)."""


class NotComparable(ReportError):
    pass


class SmallGroupNotConfirmed(ReportError):
    """The raw data of a programme under its minimum group size, asked for without
    the evaluator's explicit confirmation."""


def report_source(session: Session, programme: Programme, *, every: bool = False) -> ReportSource:
    """The data of ``programme``'s documents (rows included): while it is open,
    of its whole batches of k only (survey.services.anonymity.figures_scope);
    of every counted response when ``every`` (a look that was confirmed and
    recorded, as for the raw data of a small programme)."""
    only = None if every else figures_scope(session, programme)
    data = programme_data(session, programme, with_rows=True, only=only)
    return ReportSource(data=data, raw=raw_stream(session, programme, only))


def comparison_source(session: Session, programmes: Sequence[Programme]) -> ReportSource:
    """Several programmes, in the given order, for a comparison document (each
    open one of its whole batches of k only)."""
    compared = tuple(programme_data(session, p, with_rows=True, only=figures_scope(session, p)) for p in programmes)
    return ReportSource(data=compared[0], compared=compared)


def raw_stream(session: Session, programme: Programme, only: Scope = None) -> Callable[[], Iterable[RawResponse]]:
    """A callable that streams every counted response that ``only`` keeps, for the raw-data formats.

    ``survey.services.exports`` provides it; an installation without that
    module gets an empty stream rather than an import error.
    """
    try:
        exports = importlib.import_module("survey.services.exports")
    except ModuleNotFoundError as exc:
        if exc.name != "survey.services.exports":
            raise
        return tuple
    stream: Callable[..., Iterable[RawResponse]] | None = getattr(exports, "raw_responses", None)
    return partial(stream, session, programme, only=only) if stream else tuple


def write_report(
    session: Session,
    programme: Programme,
    fmt: str,
    lang: str,
    out: BinaryIO,
    *,
    plotly_js: Path | None = None,
    confirmation: disclosure.Confirmation | None = None,
) -> None:
    """Write ``programme``'s document in format ``fmt`` and language ``lang`` to ``out``.

    ``plotly_js`` is the plotly.js bundle to embed in HTML and PDF (the
    package's full bundle when None). The raw data of a programme under its
    minimum group size needs ``confirmation``, which is then recorded
    (:func:`survey.services.disclosure.record_small_group_download`). Raises
    :class:`UnknownFormat`, :class:`UnknownLanguage`,
    :class:`SmallGroupNotConfirmed`, :class:`FormatNotInstalled` or
    :class:`PdfNotAvailable`.
    """
    _check(fmt, lang, FORMATS)
    if FORMATS[fmt].raw_data and disclosure.raw_data_needs_confirmation(session, programme):
        if confirmation is None:
            minimum = group_size_of(programme)
            raise SmallGroupNotConfirmed(
                f"{programme.slug} has fewer responses than its minimum group size ({minimum})"
            )
        disclosure.record_small_group_download(session, programme, fmt, lang, confirmation)
        # Confirmed and recorded: the few responses are given, none waiting for a batch.
        source = report_source(session, programme, every=True)
    else:
        source = report_source(session, programme)
    _write(fmt, source, lang, out, plotly_js, {})


def write_comparison(
    session: Session,
    programmes: Sequence[Programme],
    fmt: str,
    lang: str,
    out: BinaryIO,
    *,
    plotly_js: Path | None = None,
) -> None:
    """Write the comparison of ``programmes`` (two or more, distinct) to ``out``.

    Raises :class:`NotComparable` for fewer than two programmes or a raw-data
    format, and the errors of :func:`write_report`.
    """
    if len({p.id for p in programmes}) < 2 or len(programmes) != len({p.id for p in programmes}):
        raise NotComparable("compare two or more different programmes")
    check_comparable(fmt)
    _check(fmt, lang, COMPARISON_FORMATS)
    _write(fmt, comparison_source(session, programmes), lang, out, plotly_js, {})


def check_comparable(fmt: str) -> None:
    """Raise :class:`NotComparable` if ``fmt`` is a known format that a comparison
    cannot be written in (a raw-data format); an unknown one is left to the writer."""
    if fmt in FORMATS and not FORMATS[fmt].comparable:
        raise NotComparable(f"a comparison is written as {', '.join(COMPARISON_FORMATS)}, not {fmt}")


def plotly_bundle(static_folder: str | Path | None) -> Path | None:
    """The vendored plotly.js bundle under ``static_folder``, if present; without it the
    writers embed the plotly package's own (larger) bundle."""
    bundle = Path(static_folder or "") / PLOTLY_BUNDLE
    return bundle if bundle.is_file() else None


def report_filename(slugs: Sequence[str], fmt: str, lang: str, day: date) -> str:
    """``niamey-2026_report_fr_2026-12-01.pdf``; raw data says ``data``, and a
    comparison joins its slugs with ``+``."""
    spec = FORMATS[fmt]
    kind = "comparison" if len(slugs) > 1 else spec.file_word or ("data" if spec.raw_data else "report")
    return f"{'+'.join(slugs)}_{kind}_{lang}_{day.isoformat()}.{spec.extension}"


def comparable_programmes(session: Session, user: User, programme: Programme) -> list[Programme]:
    """The other programmes of ``programme``'s series that ``user`` may see, oldest first."""
    if not programme.series:
        return []
    query = select(Programme).where(Programme.series == programme.series, Programme.id != programme.id)
    if user.role != Role.ADMIN:
        query = query.join(ProgrammeGrant, ProgrammeGrant.programme_id == Programme.id).where(
            ProgrammeGrant.user_id == user.id
        )
    return list(session.scalars(query.order_by(Programme.starts_on, Programme.id)))


def _check(fmt: str, lang: str, allowed: Iterable[str]) -> None:
    if fmt not in allowed:
        raise UnknownFormat(fmt)
    if not languages.is_supported(lang):
        raise UnknownLanguage(lang)


def _write(
    fmt: str, source: ReportSource, lang: str, out: BinaryIO, plotly_js: Path | None, options: dict[str, object]
) -> None:
    if FORMATS[fmt].charts and plotly_js is not None:
        options["plotly_js"] = plotly_js
    try:
        write = writer(fmt)
    except ModuleNotFoundError as exc:
        raise FormatNotInstalled(fmt) from exc
    try:
        write(source, lang, out, **options)
    except PdfUnavailable as exc:
        raise PdfNotAvailable(str(exc)) from exc
