"""The evaluator's reports: every document of a programme, in the report
language of their choice (any of :mod:`reports.languages`) whatever language
the interface speaks.

Every staff role may download the programmes it is granted (admins all):
the check is :func:`survey.web.organiser.programme_for`, as on every
programme page. Documents are written to a temporary file and streamed from
it, so a large raw-data export never sits in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.http import dump_options_header

from reports import languages
from reports.documents import COMPARISON_FORMATS, FORMATS
from reports.documents.chromium import find_chromium
from survey.extensions import db
from survey.forms.disclosure import SmallGroupDownloadForm
from survey.services import audit, disclosure, report_documents
from survey.web.auth import role_required
from survey.web.organiser import STAFF, programme_for

bp = Blueprint("evaluator", __name__, url_prefix="/e")


@dataclass(frozen=True)
class FormatRow:
    name: str
    title: object
    description: object
    raw_data: bool
    #: False for a format this server cannot make (PDF without Chromium).
    available: bool


#: What each format is for, in the evaluator's words; a format missing here shows by its name.
DESCRIPTIONS = {
    "html": (_l("Report (HTML)"), _l("Figures, charts, comments and methods. Opens in any browser, offline.")),
    "pdf": (_l("Report (PDF)"), _l("The same report on A4 pages, to print, send and archive.")),
    "json": (_l("Summary (JSON)"), _l("Every figure of the report, for your own tools.")),
    "xlsx": (_l("Workbook (Excel)"), _l("Summary, dimensions, the raw answers and the codebook.")),
    "csv": (_l("Raw data (CSV)"), _l("One row per response, with the codebook, in a ZIP file.")),
    "csv-semicolon": (
        _l("Raw data (CSV with semicolons)"),
        _l("The same, separated by semicolons, as Excel set to French or Arabic opens it."),
    ),
    "spss": (_l("SPSS syntax"), _l("Variable and value labels for the raw data.")),
    "r": (_l("R script"), _l("Reads the raw data with its labels.")),
}


def _format_rows(can_print: bool) -> list[FormatRow]:
    """Every format of the registry, in its order, as the download page lists them."""
    rows = []
    for name, spec in FORMATS.items():
        title, description = DESCRIPTIONS.get(name, (name.upper(), ""))
        rows.append(FormatRow(name, title, description, spec.raw_data, can_print or not spec.printed))
    return rows


def plotly_bundle() -> Path | None:
    """The vendored plotly.js bundle to embed in HTML and PDF reports, if present."""
    return report_documents.plotly_bundle(current_app.static_folder)


@bp.get("/<slug>/reports")
@role_required(*STAFF)
def reports(slug: str) -> ResponseReturnValue:
    """Download buttons for every format and report language, and a comparison
    with the other programmes of the series."""
    programme = programme_for(slug)
    peers = report_documents.comparable_programmes(db.session(), current_user, programme)
    can_print = find_chromium() is not None
    formats = _format_rows(can_print)
    return render_template(
        "evaluator/reports.html",
        programme=programme,
        formats=formats,
        report_languages=[(language.code, language.endonym) for language in languages.LANGUAGES],
        comparison_formats=[row.name for row in formats if row.available and FORMATS[row.name].comparable],
        pdf_available=can_print,
        peers=peers,
        # Its raw data is downloaded only after a confirmation (a form, not a download link).
        confirm_raw_data=disclosure.raw_data_needs_confirmation(db.session(), programme),
    )


@bp.get("/<slug>/reports/<fmt>")
@role_required(*STAFF)
def download(slug: str, fmt: str) -> ResponseReturnValue:
    """The document in format ``fmt`` and ``?lang=`` (the programme's first
    language by default). 404 for an unknown format, 400 for an unknown
    language, 503 when this server cannot make the format (PDF without Chromium)."""
    programme = programme_for(slug)
    if fmt not in FORMATS:
        abort(404)
    lang = _report_language(programme.default_language)
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent)
    try:
        report_documents.write_report(db.session(), programme, fmt, lang, spool, plotly_js=plotly_bundle())
    except report_documents.SmallGroupNotConfirmed:
        spool.close()
        return redirect(url_for("evaluator.confirm_raw_data", slug=slug, fmt=fmt, lang=lang))
    except report_documents.ReportError as exc:
        spool.close()
        return _unavailable(exc)
    slugs = [programme.slug]
    audit.record(db.session(), current_user._get_current_object(), "report", programme, f"{fmt} {lang}")
    return _send(spool, fmt, slugs, lang)


@bp.route("/<slug>/reports/<fmt>/confirm", methods=["GET", "POST"])
@role_required(*STAFF)
def confirm_raw_data(slug: str, fmt: str) -> ResponseReturnValue:
    """The raw answers of a programme under its minimum group size: a form to
    confirm, then the file; the download is recorded (survey.services.disclosure)."""
    programme = programme_for(slug)
    if fmt not in FORMATS:
        abort(404)
    lang = _report_language(programme.default_language)
    if not FORMATS[fmt].raw_data:  # a summary shows no small group: nothing to confirm
        return redirect(url_for("evaluator.download", slug=slug, fmt=fmt, lang=lang))
    form = SmallGroupDownloadForm()
    if form.validate_on_submit():
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent)
        confirmation = disclosure.Confirmation(user_id=current_user.id, channel="web")
        try:
            report_documents.write_report(db.session(), programme, fmt, lang, spool, confirmation=confirmation)
        except report_documents.ReportError as exc:
            spool.close()
            return _unavailable(exc)
        return _send(spool, fmt, [programme.slug], lang)
    title, _description = DESCRIPTIONS.get(fmt, (fmt.upper(), ""))
    status = 422 if form.errors else 200
    return render_template(
        "evaluator/confirm_raw_data.html",
        programme=programme,
        form=form,
        fmt=fmt,
        format_title=title,
        report_lang=lang,
        minimum=disclosure.minimum_group_size(programme),
    ), status


@bp.get("/<slug>/compare")
@role_required(*STAFF)
def compare(slug: str) -> ResponseReturnValue:
    """This programme side by side with the ``?with=`` programmes (each one
    checked like this one), as ``?format=`` html, pdf or json."""
    programme = programme_for(slug)
    others = [programme_for(other) for other in dict.fromkeys(request.args.getlist("with")) if other != slug]
    fmt = request.args.get("format", "html")
    if fmt not in COMPARISON_FORMATS or not others:
        abort(400)
    lang = _report_language(programme.default_language)
    chosen = [programme, *others]
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent)
    try:
        report_documents.write_comparison(db.session(), chosen, fmt, lang, spool, plotly_js=plotly_bundle())
    except report_documents.ReportError as exc:
        spool.close()
        return _unavailable(exc)
    slugs = [p.slug for p in chosen]
    audit.record(db.session(), current_user._get_current_object(), "compare", chosen, f"{fmt} {lang}")
    return _send(spool, fmt, slugs, lang)


def _report_language(default: str) -> str:
    lang = request.args.get("lang") or default
    if not languages.is_supported(lang):
        abort(400)
    return lang


def _send(spool: BinaryIO, fmt: str, slugs: list[str], lang: str) -> ResponseReturnValue:
    size = spool.seek(0, 2)
    spool.seek(0)
    name = report_documents.report_filename(slugs, fmt, lang, datetime.now(UTC).date())
    response = Response(_chunks(spool), mimetype=FORMATS[fmt].media_type)
    response.content_length = size
    response.headers["Content-Disposition"] = dump_options_header("attachment", {"filename": name})
    # Answers of an identified programme: no shared cache keeps a copy.
    response.headers["Cache-Control"] = "private, no-store"
    response.call_on_close(spool.close)  # a download cut short
    return response


def _chunks(spool: BinaryIO, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


def _unavailable(exc: report_documents.ReportError) -> ResponseReturnValue:
    if isinstance(exc, report_documents.PdfNotAvailable):
        message = _(
            "PDF files cannot be made on this server: the Chromium browser is not installed. "
            "Download the HTML report and print it from your browser, or ask the administrator to install Chromium."
        )
    elif isinstance(exc, report_documents.FormatNotInstalled):
        message = _("This format is not available on this server.")
    else:
        abort(400)
    title = _("Not available")
    return render_template("errors/error.html", status=503, title=title, message=message), 503
