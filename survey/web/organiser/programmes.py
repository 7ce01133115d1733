"""Create and edit programmes, and move them through their lifecycle (managers only)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from reports.languages import CODES, DEFAULT_LANGUAGE, direction
from survey.extensions import db
from survey.forms.programme import (
    COMMON_TIMEZONES,
    COUNTRY_TIMEZONES,
    SLUG_TAKEN,
    ProgrammeForm,
    local_time,
    programme_data,
)
from survey.models import Programme, ProgrammeStatus, TransitionError
from survey.services import DomainError, programmes, questionnaires
from survey.services.questionnaires import LibraryEntry
from survey.web.auth import role_required
from survey.web.i18n import current_language
from survey.web.organiser import MANAGERS, bp, programme_for

#: The questionnaire a new programme starts with, when the library holds it.
DEFAULT_QUESTIONNAIRE_CODE = "end_of_programme"


def _refusal(form: ProgrammeForm, exc: DomainError) -> None:
    """Put a refusal of the service beside the field it is about."""
    if isinstance(exc, programmes.SlugTaken):
        form.slug.errors.append(str(SLUG_TAKEN))
    elif isinstance(exc, programmes.SlugLocked):
        form.slug.errors.append(
            _("The short name cannot change once the programme has been opened: printed links and QR codes use it.")
        )
    elif isinstance(exc, programmes.QuestionnaireLocked):
        form.questionnaire.errors.append(
            _(
                "This programme already has responses, so its questionnaire cannot change: "
                "the answers must stay tied to the questions trainees saw."
            )
        )
    elif isinstance(exc, programmes.SessionInUse):
        form.sessions.errors.append(
            _('Trainees have already answered about "%(title)s", so it cannot be removed.', title=exc.title)
        )
    elif isinstance(exc, programmes.UnknownQuestionnaire):
        form.questionnaire.errors.append(_("This questionnaire is not in the library."))
    else:
        raise exc


def _new_defaults(library: list[LibraryEntry]) -> dict[str, Any]:
    latest = [entry for entry in library if entry.latest]
    preferred = [entry for entry in latest if entry.code == DEFAULT_QUESTIONNAIRE_CODE] or latest
    return {
        "languages": list(CODES),
        "default_language": DEFAULT_LANGUAGE,
        "timezone": "",
        "questionnaire": preferred[0].id if preferred else None,
    }


def _render_form(form: ProgrammeForm, programme: Programme | None, status: int, **extra: Any) -> ResponseReturnValue:
    return (
        render_template(
            "organiser/programme_form.html",
            form=form,
            programme=programme,
            timezones=COMMON_TIMEZONES,
            country_timezones=COUNTRY_TIMEZONES,
            privacy_languages=[(code, direction(code)) for code in CODES],
            **extra,
        ),
        status,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_programme() -> ResponseReturnValue:
    """A new draft programme; 422 with every problem beside its field."""
    session = db.session()
    library = questionnaires.library(session, current_user)
    form = ProgrammeForm(
        library=library,
        lang=current_language(),
        data=_new_defaults(library),
        slug_free=lambda slug: programmes.slug_free(session, slug),
    )
    if form.validate_on_submit():
        try:
            programme = programmes.add_programme(session, current_user, form.settings())
        except DomainError as exc:
            _refusal(form, exc)
        else:
            flash(_("Programme created as a draft: trainees cannot see it until you open it."))
            return redirect(url_for(".edit_programme", slug=programme.slug), code=303)
    return _render_form(form, None, 422 if request.method == "POST" else 200, library_empty=not library)


def _local(value: datetime | None, programme: Programme) -> str:
    local = local_time(value, programme.timezone)
    return f"{format_datetime(local, 'medium', rebase=False)} ({programme.timezone})" if local else ""


def _window(programme: Programme) -> dict[str, Any]:
    """What trainees meet right now, for the lifecycle panel."""
    now = datetime.now(UTC)
    state = programme.status
    if programme.lifecycle is ProgrammeStatus.OPEN and not programme.accepting(now):
        state = "not_yet" if programme.opens_at is not None and now < programme.opens_at else "past"
    return {
        "state": state,
        "opens_at": _local(programme.opens_at, programme),
        "closes_at": _local(programme.closes_at, programme),
    }


@bp.route("/<slug>/settings", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_programme(slug: str) -> ResponseReturnValue:
    """The settings form and the lifecycle buttons; 422 with the problems beside their fields."""
    programme = programme_for(slug, manage=True)
    session = db.session()
    library = questionnaires.library(session, current_user)
    form = ProgrammeForm(
        library=library,
        lang=current_language(),
        data=programme_data(programme),
        slug_free=lambda slug: programmes.slug_free(session, slug, programme.id),
    )
    if form.validate_on_submit():
        try:
            programmes.update_programme(session, programme, form.settings())
        except DomainError as exc:
            _refusal(form, exc)
        else:
            flash(_("Settings saved."))
            return redirect(url_for(".edit_programme", slug=programme.slug), code=303)
    return _render_form(
        form,
        programme,
        422 if request.method == "POST" else 200,
        has_responses=programmes.has_responses(session, programme),
        window=_window(programme),
    )


Move = Callable[[Session, Programme], None]

#: action -> (service, message when done, message when the status does not allow it)
LIFECYCLE: dict[str, tuple[Move, Any, Any]] = {
    "open": (
        programmes.open_programme,
        _l("The evaluation is open."),
        _l("Only a draft or a closed programme can be opened."),
    ),
    "close": (
        programmes.close_programme,
        _l("The evaluation is closed: the form now answers that it is closed."),
        _l("Only an open programme can be closed."),
    ),
    "reopen": (
        programmes.reopen_programme,
        _l("The evaluation is open again."),
        _l("Only a closed programme can be reopened."),
    ),
    "archive": (
        programmes.archive_programme,
        _l("The programme is archived: its results stay available for reports."),
        _l("Only a draft or a closed programme can be archived: close it first."),
    ),
    "unarchive": (
        programmes.unarchive_programme,
        _l("The programme is back in the list, closed."),
        _l("Only an archived programme can be brought back."),
    ),
}


def _lifecycle(slug: str, action: str) -> ResponseReturnValue:
    """Run one lifecycle move; 409 with a plain explanation when the status refuses it."""
    programme = programme_for(slug, manage=True)
    move, done, refused = LIFECYCLE[action]
    try:
        move(db.session(), programme)
    except TransitionError:
        db.session.rollback()
        message = _("%(reason)s It is now: %(status)s.", reason=refused, status=_status_name(programme.status))
        return render_template("errors/error.html", status=409, title=_("Not possible now"), message=message), 409
    flash(str(done))
    if action in {"open", "reopen"} and not programme.accepting(datetime.now(UTC)):
        flash(_("Trainees can answer only between the opening and closing times set below."))
    # The dashboard may carry these buttons too (close at the end of the ceremony).
    if request.form.get("next") == "dashboard":
        return redirect(url_for(".dashboard", slug=slug), code=303)
    return redirect(url_for(".edit_programme", slug=slug), code=303)


def _status_name(status: str) -> str:
    names = {"draft": _("draft"), "open": _("open"), "closed": _("closed"), "archived": _("archived")}
    return str(names.get(status, status))


@bp.post("/<slug>/open")
@role_required(*MANAGERS)
def open_programme(slug: str) -> ResponseReturnValue:
    return _lifecycle(slug, "open")


@bp.post("/<slug>/close")
@role_required(*MANAGERS)
def close_programme(slug: str) -> ResponseReturnValue:
    return _lifecycle(slug, "close")


@bp.post("/<slug>/reopen")
@role_required(*MANAGERS)
def reopen_programme(slug: str) -> ResponseReturnValue:
    return _lifecycle(slug, "reopen")


@bp.post("/<slug>/archive")
@role_required(*MANAGERS)
def archive_programme(slug: str) -> ResponseReturnValue:
    return _lifecycle(slug, "archive")


@bp.post("/<slug>/unarchive")
@role_required(*MANAGERS)
def unarchive_programme(slug: str) -> ResponseReturnValue:
    return _lifecycle(slug, "unarchive")
