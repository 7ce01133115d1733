"""Answers a trainee saved to a file (their phone never got through), brought
in by an organiser. Managers only; the file's answers are checked against the
programme's questionnaire exactly as the trainee form checks them, then stored
through survey.services.saved_answers (once per form key)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage, MultiDict

from survey.extensions import db
from survey.forms.trainee import FormFlow
from survey.models import Programme
from survey.services import programmes
from survey.services.responses import KeyReused
from survey.services.saved_answers import import_saved_answers
from survey.web.auth import role_required
from survey.web.organiser import MANAGERS, bp, programme_for

#: What form.js writes ("format" and "version" of the file).
FILE_FORMAT = ("survey-answers", 1)
#: A saved form is a few kilobytes; anything much larger is not one.
MAX_FILE_BYTES = 256 * 1024


class _OrganiserVouches:
    """The organiser's page is CSRF-checked by Flask-WTF; the file carries no token."""

    def token(self) -> str:
        return ""

    def accepts(self, token: str) -> bool:
        return True


@dataclass(frozen=True)
class ImportResult:
    filename: str
    #: "stored", "already" or "refused".
    outcome: str
    message: str


class _Unreadable(Exception):
    """The file is not a form saved for this programme."""


def _read(file: FileStorage, programme: Programme) -> dict[str, Any]:
    data = file.stream.read(MAX_FILE_BYTES + 1)
    try:
        saved = json.loads(data) if len(data) <= MAX_FILE_BYTES else None
    except ValueError:
        saved = None
    if not isinstance(saved, dict) or (saved.get("format"), saved.get("version")) != FILE_FORMAT:
        raise _Unreadable(_("This is not a file of saved answers."))
    if saved.get("programme") != programme.slug:
        raise _Unreadable(_("These answers were saved for another programme."))
    if not isinstance(saved.get("values"), dict) or not isinstance(saved.get("idem"), str):
        raise _Unreadable(_("This is not a file of saved answers."))
    return saved


def _saved_at(text: object) -> datetime:
    """When the phone saved them; now if unreadable or in the future (a phone's clock may be wrong)."""
    now = datetime.now(UTC)
    try:
        when = datetime.fromisoformat(str(text))
    except ValueError:
        return now
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return min(when.astimezone(UTC), now)


def _import_one(file: FileStorage, programme: Programme) -> ImportResult:
    name = file.filename or ""
    try:
        saved = _read(file, programme)
    except _Unreadable as exc:
        return ImportResult(name, "refused", str(exc))
    definition = programme.questionnaire.definition
    flow = FormFlow(
        definition=definition,
        ctx=programmes.form_context(programme, current_app.config["MAX_TEXT_LENGTH"]),
        secret_key=str(current_app.config["SECRET_KEY"]),
        guard=_OrganiserVouches(),
    )
    posted: MultiDict[str, str] = MultiDict(
        [
            (str(field), str(value))
            for field, values in saved["values"].items()
            if isinstance(values, list)
            for value in values
        ]
    )
    posted.update({"whole": "1", "idem": saved["idem"], "page": str(flow.page_count - 1)})
    if not flow.receive(posted, "send") or flow.idempotency_key != saved["idem"]:
        return ImportResult(name, "refused", _("These answers do not fit this programme's questionnaire as it is now."))
    language = saved.get("lang") if saved.get("lang") in programme.languages else programme.default_language
    try:
        receipt = import_saved_answers(
            db.session(),
            programme,
            flow.answers(),
            language=str(language),
            idempotency_key=flow.idempotency_key,
            saved_at=_saved_at(saved.get("saved")),
        )
    except KeyReused:
        return ImportResult(name, "refused", _("These answers were saved for another programme."))
    if receipt.duplicate:
        return ImportResult(name, "already", _("Already stored: nothing was counted twice."))
    return ImportResult(name, "stored", _("Stored."))


@bp.route("/<slug>/saved-answers", methods=["GET", "POST"])
@role_required(*MANAGERS)
def import_saved(slug: str) -> ResponseReturnValue:
    """Bring in files of answers saved on trainees' phones; each is stored once."""
    programme = programme_for(slug, manage=True)
    results: list[ImportResult] = []
    if request.method == "POST":
        results = [_import_one(file, programme) for file in request.files.getlist("files") if file.filename]
    status = 422 if any(r.outcome == "refused" for r in results) else 200
    return render_template("organiser/saved_answers.html", programme=programme, results=results), status
