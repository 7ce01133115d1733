"""Error pages: in the visitor's language, as JSON when the client asks for it,
after rolling back whatever the failed request had started."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from survey.extensions import db
from survey.models import Programme, ProgrammeStatus, TransitionError
from survey.services import NotAccepting, NotFound
from survey.services.answer_checks import AnswerRefused
from survey.services.published import PublishedProgramme
from survey.web.api import api_problem_for, is_api_request
from survey.web.i18n import speak_languages_of
from survey.web.organiser.dashboard import programme_time


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _page(status: int, title: str, message: str, exc: HTTPException | None = None) -> ResponseReturnValue:
    db.session.rollback()
    if is_api_request():  # the API answers problem details, an unknown route under it too
        return api_problem_for(status, exc)
    if _wants_json():
        return jsonify(error=title, message=message, status=status), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _unavailable(
    programme: Programme | PublishedProgramme | None, status: int, title: str, message: str
) -> ResponseReturnValue:
    """A trainee's link that exists but takes no answers now: said in plain
    words under the programme's name, with its languages to switch to; the
    status code stays in the response, not on the page."""
    if programme is None or _wants_json() or is_api_request():
        return _page(status, title, message)
    db.session.rollback()
    page = render_template(
        "trainee/unavailable.html",
        programme_title=programme.title,
        programme_location=programme.location,
        form_url=url_for("trainee.take_form", slug=programme.slug),
        title=title,
        message=message,
    )
    return page, status


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("Your account does not give access to this page.")),
        404: (
            _("Page not found"),
            _("There is no evaluation at this address. Please check the link or the code you were given."),
        ),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        409: (
            _("Already used"),
            _("This form has already been used for another evaluation. Please open the link again."),
        ),
        413: (
            _("Too much text"),
            _("What you sent is larger than this service accepts. Please shorten your comments and send again."),
        ),
        500: (_("Something went wrong"), _("Nothing was saved. Please try again in a moment.")),
    }


def register(app: Flask) -> None:
    @app.url_value_preprocessor
    def no_nul_in_paths(endpoint: str | None, values: dict[str, Any] | None) -> None:
        # No slug, code or token holds a NUL, and a database may refuse one in any text it
        # is asked to compare: an unreadable character instead, so that each route answers
        # the unknown value with its own page.
        if not values:
            return
        for key, value in values.items():
            if isinstance(value, str) and "\x00" in value:
                values[key] = value.replace("\x00", "\ufffd")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        title, message = _messages().get(status, (exc.name, exc.description or ""))
        return _page(status, title, message, exc)

    @app.errorhandler(NotFound)
    def domain_not_found(exc: NotFound) -> ResponseReturnValue:
        title, message = _messages()[404]
        return _page(404, title, message)

    @app.errorhandler(NotAccepting)
    def not_accepting(exc: NotAccepting) -> ResponseReturnValue:
        programme = exc.programme if isinstance(exc.programme, Programme | PublishedProgramme) else None
        if programme is not None:
            speak_languages_of(programme)
        if exc.status in ("not_yet", ProgrammeStatus.DRAFT.value):
            opens = programme.opens_at if programme is not None and exc.status == "not_yet" else None
            message = _("It opens at the time the organisers have set. Please try again later with the same link.")
            if opens is not None and programme is not None:
                message = _(
                    "It opens on %(when)s (%(zone)s time). Please come back then with the same link.",
                    when=programme_time(opens, programme.timezone),
                    zone=programme.timezone,
                )
            return _unavailable(programme, 403, _("This evaluation is not open yet"), message)
        if exc.status in (ProgrammeStatus.CLOSED.value, ProgrammeStatus.ARCHIVED.value, ProgrammeStatus.OPEN.value):
            return _unavailable(
                programme,
                410,
                _("This evaluation is closed"),
                _("Thank you for your interest. This evaluation no longer accepts answers."),
            )
        title, message = _messages()[404]
        return _page(404, title, message)

    @app.errorhandler(AnswerRefused)
    def answer_refused(exc: AnswerRefused) -> ResponseReturnValue:
        # Each form checks its answers by the kinds' rules before a service does; a refusal
        # that still reaches here is a form that missed a case, answered as bad input.
        return _page(
            422,
            _("An answer was not accepted"),
            _(
                "One of the answers is not one its question accepts, so nothing was saved. "
                "Please go back, check the form and send it again."
            ),
        )

    @app.errorhandler(TransitionError)
    def bad_transition(exc: TransitionError) -> ResponseReturnValue:
        return _page(409, _("Not possible now"), str(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        if app.testing:
            raise exc  # let the test see the real error
        app.logger.exception("unhandled error")
        title, message = _messages()[500]
        return _page(500, title, message)
