"""The evaluator's reports: every document of a programme, in the report
language of their choice (any of :mod:`reports.languages`) whatever language
the interface speaks.

Every staff role may download the programmes it is granted (admins all):
the check is :func:`survey.web.organiser.programme_for`, as on every
programme page. A document is never made inside a web request: asking for
one queues a job (survey.services.report_jobs), which a background worker
makes at a lower CPU priority, so trainees are served meanwhile; the job page
then offers the file, streamed from disk so that a large raw-data export never
sits in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import BinaryIO

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
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
from survey.models import JobState, Programme, ReportJob
from survey.services import NotFound, audit, disclosure, report_documents, report_jobs
from survey.services.anonymity import group_size_of
from survey.services.report_queue import ReportQueue
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
    # Not a report: the classroom kit's paper form, whose job page is this one too.
    report_jobs.PAPER_FORM: (_l("Paper forms (PDF)"), _l("The questionnaire to print, one numbered copy per trainee.")),
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


@bp.post("/<slug>/reports/<fmt>")
@role_required(*STAFF)
def download(slug: str, fmt: str) -> ResponseReturnValue:
    """Ask for the document in format ``fmt`` and language ``lang`` (the
    programme's first language by default): a background job makes it, and the
    job page (303) shows its state and then the file. 404 for an unknown format,
    400 for an unknown language, 503 when this server cannot make the format
    (PDF without Chromium)."""
    programme = programme_for(slug)
    if fmt not in FORMATS:
        abort(404)
    lang = _report_language(programme.default_language)
    if FORMATS[fmt].raw_data and disclosure.raw_data_needs_confirmation(db.session(), programme):
        return redirect(url_for("evaluator.confirm_raw_data", slug=slug, fmt=fmt, lang=lang))
    return _ask([programme], fmt, lang)


@bp.route("/<slug>/reports/<fmt>/confirm", methods=["GET", "POST"])
@role_required(*STAFF)
def confirm_raw_data(slug: str, fmt: str) -> ResponseReturnValue:
    """The raw answers of a programme under its minimum group size: a form to
    confirm, then the file; the download is recorded (survey.services.disclosure).

    Made here rather than as a job: fewer answers than the minimum group size make
    a document of a few rows, no heavier than the page."""
    programme = programme_for(slug)
    if fmt not in FORMATS:
        abort(404)
    lang = _report_language(programme.default_language)
    if not FORMATS[fmt].raw_data:  # a summary shows no small group: nothing to confirm
        return redirect(url_for("evaluator.reports", slug=slug))
    form = SmallGroupDownloadForm()
    if form.validate_on_submit():
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent)
        confirmation = disclosure.Confirmation(user_id=current_user.id, channel="web")
        try:
            report_documents.write_report(db.session(), programme, fmt, lang, spool, confirmation=confirmation)
        except report_documents.ReportError as exc:
            spool.close()
            return _unavailable(exc)
        audit.record(db.session(), current_user._get_current_object(), "report", programme, f"{fmt} {lang}")
        filename = report_documents.report_filename([programme.slug], fmt, lang, date.today())
        return _attachment(spool, fmt, filename)
    title, _description = DESCRIPTIONS.get(fmt, (fmt.upper(), ""))
    status = 422 if form.errors else 200
    return render_template(
        "evaluator/confirm_raw_data.html",
        programme=programme,
        form=form,
        fmt=fmt,
        format_title=title,
        report_lang=lang,
        minimum=group_size_of(programme),
    ), status


@bp.post("/<slug>/compare")
@role_required(*STAFF)
def compare(slug: str) -> ResponseReturnValue:
    """Ask for this programme side by side with the ``with`` programmes (each one
    checked like this one), as ``format`` html, pdf or json: the job page (303)."""
    programme = programme_for(slug)
    others = [programme_for(other) for other in dict.fromkeys(request.form.getlist("with")) if other != slug]
    fmt = request.form.get("format", "html")
    if fmt not in COMPARISON_FORMATS or not others:
        abort(400)
    return _ask([programme, *others], fmt, _report_language(programme.default_language))


def _ask(programmes: list[Programme], fmt: str, lang: str) -> ResponseReturnValue:
    try:
        job = report_jobs.ask(db.session(), current_user, programmes, fmt, lang, report_queue().enqueue)
    except report_documents.ReportError as exc:
        return _unavailable(exc)
    return redirect(url_for("evaluator.job", job_id=job.id), 303)


def report_queue() -> ReportQueue:
    queue: ReportQueue = current_app.extensions["survey.report_queue"]
    return queue


def _report_language(default: str) -> str:
    lang = request.values.get("lang") or default
    if not languages.is_supported(lang):
        abort(400)
    return lang


@bp.get("/jobs/<job_id>")
@role_required(*STAFF)
def job(job_id: str) -> ResponseReturnValue:
    """A document being made: its state, in the reader's language, and the file
    once ready. Works without JavaScript (a refresh link); static/js/report-job.js
    reloads it once the job is finished. Only for the user who asked, or staff
    who may see every one of its programmes (404 for everyone else). The
    classroom kit's paper forms are followed here too (``paper_form``)."""
    found = _job_or_404(job_id)
    status = report_jobs.status(found, report_queue().settings)
    programmes = report_jobs.programmes_of(db.session(), found)
    title, _description = DESCRIPTIONS.get(found.fmt, (found.fmt.upper(), ""))
    keep_minutes = 0
    if status.state is JobState.READY and found.expires_at is not None:
        keep_minutes = max(1, int((found.expires_at - datetime.now(UTC)).total_seconds() // 60))
    paper_form = found.fmt == report_jobs.PAPER_FORM
    reason = REASONS.get(status.reason or "", REASONS[report_jobs.Reason.ERROR])
    if paper_form and status.reason == report_jobs.Reason.PDF_UNAVAILABLE:
        reason = PAPER_PDF_UNAVAILABLE
    return render_template(
        "evaluator/job.html",
        job=found,
        status=status,
        states=JobState,
        paper_form=paper_form,
        reason=reason,
        title=title,
        programmes=programmes,
        language=languages.language(found.lang).endonym if languages.is_supported(found.lang) else found.lang,
        keep_minutes=keep_minutes,
    )


@bp.get("/jobs/<job_id>/state")
@role_required(*STAFF)
def job_state(job_id: str) -> ResponseReturnValue:
    """The job's state as JSON, for the page's script: ``{"state": ..., "finished": bool}``."""
    status = report_jobs.status(_job_or_404(job_id), report_queue().settings)
    return jsonify(state=status.state.value, finished=status.finished)


@bp.get("/jobs/<job_id>/file")
@role_required(*STAFF)
def job_file(job_id: str) -> ResponseReturnValue:
    """The finished document (the job page, 303, while it is not ready or once it expired)."""
    found = _job_or_404(job_id)
    path = report_jobs.file_of(found, report_queue().settings)
    if report_jobs.status(found, report_queue().settings).state is not JobState.READY:
        return redirect(url_for("evaluator.job", job_id=found.id), 303)
    try:
        spool = path.open("rb")
    except FileNotFoundError:
        return redirect(url_for("evaluator.job", job_id=found.id), 303)
    return hand_over(found, spool)


def hand_over(job: ReportJob, spool: BinaryIO) -> ResponseReturnValue:
    """Every finished document leaves the service here: the one place to record who took
    which. A paper form is the blank questionnaire, no programme's data: not recorded."""
    # Read before the audit entry ends the transaction, which would expire the job.
    fmt, lang, filename = job.fmt, job.lang, job.filename or ""
    if fmt == report_jobs.PAPER_FORM:
        return _attachment(spool, fmt, filename)
    chosen = [db.session.get(Programme, programme_id) for programme_id in job.programme_id_list]
    action = "compare" if len(chosen) > 1 else "report"
    audit.record(db.session(), current_user._get_current_object(), action, [p for p in chosen if p], f"{fmt} {lang}")
    return _attachment(spool, fmt, filename)


def _attachment(spool: BinaryIO, fmt: str, filename: str) -> ResponseReturnValue:
    size = spool.seek(0, 2)
    spool.seek(0)
    response = Response(_chunks(spool), mimetype=report_jobs.DOCUMENTS[fmt].media_type)
    response.content_length = size
    response.headers["Content-Disposition"] = dump_options_header("attachment", {"filename": filename})
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


def _job_or_404(job_id: str) -> ReportJob:
    try:
        return report_jobs.job_for(db.session(), current_user, job_id)
    except NotFound:
        abort(404)


#: Why a job failed, in the reader's words (keys: report_jobs.Reason).
REASONS = {
    report_jobs.Reason.PDF_UNAVAILABLE: _l(
        "PDF files cannot be made on this server: the Chromium browser is not installed. "
        "Download the HTML report and print it from your browser, or ask the administrator to install Chromium."
    ),
    report_jobs.Reason.NOT_INSTALLED: _l("This format is not available on this server."),
    report_jobs.Reason.INTERRUPTED: _l("The report worker stopped while making this document. Ask for it again."),
    report_jobs.Reason.QUEUE_UNAVAILABLE: _l(
        "The queue of documents could not be reached. Try again in a moment; if it fails again, tell the administrator."
    ),
    report_jobs.Reason.ERROR: _l(
        "Something went wrong while making this document. Try again; if it fails again, tell the administrator."
    ),
}


PAPER_PDF_UNAVAILABLE = _l(
    "PDF files cannot be made on this server: the Chromium browser is not installed. "
    "Open the paper form's preview in the classroom kit and print it from your browser."
)


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
