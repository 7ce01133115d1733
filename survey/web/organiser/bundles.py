"""A programme moved to or from another service in one file (survey.services.bundles),
from the organiser's pages: what `survey export-programme` and `survey
import-programme` do on the command line. Managers only; the download of a
programme under its minimum group size is confirmed and recorded, as raw data is."""

from __future__ import annotations

import gzip
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.http import dump_options_header

from survey.extensions import db
from survey.forms.disclosure import SmallGroupDownloadForm
from survey.services import disclosure
from survey.services.anonymity import group_size_of
from survey.services.bundle_import import ImportSummary, import_programme
from survey.services.bundles import BundleRefused, export_programme
from survey.web.auth import role_required
from survey.web.organiser import MANAGERS, bp, programme_for

#: The largest bundle taken through the page; larger ones go by `survey import-programme`.
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


@bp.route("/<slug>/bundle", methods=["GET", "POST"])
@role_required(*MANAGERS)
def export_bundle(slug: str) -> ResponseReturnValue:
    """The programme in one file for another service; under its minimum group
    size, only once the box is ticked (the download is then recorded)."""
    programme = programme_for(slug, manage=True)
    small = disclosure.raw_data_needs_confirmation(db.session(), programme)
    form = SmallGroupDownloadForm()
    # The POST's CSRF token is checked by CSRFProtect before any view.
    if request.method == "POST" and (not small or form.validate_on_submit()):
        user = current_user._get_current_object()
        if small:
            confirmation = disclosure.Confirmation(user_id=user.id, channel="web")
            disclosure.record_small_group_download(db.session(), programme, "bundle", "", confirmation)
            programme = programme_for(slug, manage=True)
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent)
        with gzip.GzipFile(fileobj=spool, mode="wb") as out:
            export_programme(db.session(), programme, cast(IO[bytes], out), user)
        return _attachment(spool, f"{slug}.bundle.gz")
    status = 422 if request.method == "POST" else 200
    return render_template(
        "organiser/bundle_export.html", programme=programme, form=form, small=small, minimum=group_size_of(programme)
    ), status


def _attachment(spool: IO[bytes], filename: str) -> Response:
    size = spool.seek(0, 2)
    spool.seek(0)
    response = Response(_chunks(spool), mimetype="application/gzip")
    response.content_length = size
    response.headers["Content-Disposition"] = dump_options_header("attachment", {"filename": filename})
    response.headers["Cache-Control"] = "private, no-store"
    response.call_on_close(spool.close)
    return response


def _chunks(spool: IO[bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


@bp.route("/import", methods=["GET", "POST"])
@role_required(*MANAGERS)
def import_bundle() -> ResponseReturnValue:
    """Load a bundle exported by another service; the programme is then the importer's too."""
    summary: ImportSummary | None = None
    problem = ""
    if request.method == "POST":
        request.max_content_length = MAX_UPLOAD_BYTES
        file = request.files.get("bundle")
        if file is None or not file.filename:
            problem = _("Choose the programme's file (.bundle.gz) first.")
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "bundle"
                file.save(path)
                try:
                    summary = import_programme(db.session(), path, current_user._get_current_object())
                except BundleRefused as refusal:
                    current_app.logger.info("bundle refused: %s", refusal)
                    problem = _refusal_message(refusal)
    status = 422 if problem else 200
    return render_template("organiser/bundle_import.html", summary=summary, problem=problem), status


def _refusal_message(refusal: BundleRefused) -> str:
    params = refusal.params
    messages: dict[str, str] = {
        "newer": _("This file was made by a newer version of the service: update this service, then import it again."),
        "slug_taken": _(
            "The short name %(slug)s is already used here by another programme. Change it in one of the two"
            " services, then import again.",
            slug=params.get("slug", ""),
        ),
        "sessions_differ": _(
            "A programme %(slug)s is here already, with other sessions than the file's.", slug=params.get("slug", "")
        ),
        "questionnaire_differs": _(
            "Version %(version)s of the questionnaire %(code)s here differs from the file's.",
            version=params.get("version", ""),
            code=params.get("code", ""),
        ),
        "foreign": _("Some of the file's responses or invitation codes belong to another programme here."),
        "partly_stored": _("Some responses could not be stored; the others are kept. Import the file again."),
    }
    message: str = messages.get(
        refusal.reason,
        _(
            "This file is not a programme's file, or it was damaged or changed since it was exported."
            " Export it again from the service it comes from."
        ),
    )
    if refusal.reason == "partly_stored":
        return message
    return " ".join((message, _("Nothing was imported.")))
