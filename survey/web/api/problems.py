"""Errors of the JSON API as RFC 9457 problem details, in the client's language.

Every refusal is ``application/problem+json`` with a ``type`` (a stable URI
naming the kind of problem, documented in docs/api.md, so that a program can
act on it), a ``title`` and a ``detail`` in the language the client asked for
with Accept-Language (French, Arabic or English), and the ``status``. Input
that does not fit adds ``errors``: one entry per field, with a JSON pointer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import Response, current_app, json, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey.extensions import db
from survey.web.i18n import current_language

PROBLEM_JSON = "application/problem+json"
#: The prefix of every problem type; the rest is its name.
TYPE_BASE = "/api/v1/problems/"

#: name -> (status, title); the titles are translated when a problem is made.
PROBLEMS: Mapping[str, tuple[int, Any]] = {
    "unauthorized": (401, _l("A valid API token is needed")),
    "insufficient-scope": (403, _l("This token may not do that")),
    "not-found": (404, _l("Not found")),
    "method-not-allowed": (405, _l("Method not allowed")),
    "not-acceptable": (406, _l("Not acceptable")),
    "conflict": (409, _l("Conflict")),
    "not-accepting": (409, _l("This programme does not accept responses now")),
    "small-programme": (403, _l("Too few responses to list them")),
    "payload-too-large": (413, _l("Too large")),
    "unsupported-media-type": (415, _l("Send JSON")),
    "invalid-request": (422, _l("The request does not fit")),
    "invalid-answers": (422, _l("Some answers need correcting")),
    "code-refused": (422, _l("This code cannot be used here")),
    "too-many-requests": (429, _l("Too many requests")),
    "bad-request": (400, _l("Bad request")),
    "server-error": (500, _l("Something went wrong")),
}


def problem(
    name: str,
    detail: str,
    *,
    errors: Sequence[Mapping[str, str]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The problem ``name`` (a key of :data:`PROBLEMS`), with ``detail`` already translated."""
    db.session.rollback()
    status, title = PROBLEMS[name]
    body: dict[str, Any] = {
        "type": TYPE_BASE + name,
        "title": str(title),
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    if errors:
        body["errors"] = [dict(e) for e in errors]
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers["Content-Language"] = current_language()
    response.vary.add("Accept-Language")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def unauthorized(detail: str) -> Response:
    """401, and how to authenticate (RFC 6750)."""
    return problem("unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="survey"'})


def too_many(seconds: int) -> Response:
    return problem(
        "too-many-requests",
        _("Please wait %(seconds)d seconds before the next request.", seconds=seconds),
        headers={"Retry-After": str(seconds)},
    )


def for_http_status(status: int) -> Response:
    """The problem for an HTTP error raised by Flask or Werkzeug (an unknown route, a wrong method)."""
    named = {
        400: ("bad-request", _("The request could not be understood.")),
        401: ("unauthorized", _("Send an API token in the Authorization header: Bearer, then the token.")),
        403: ("insufficient-scope", _("This token does not give access to this.")),
        404: ("not-found", _("There is nothing at this address, or this token may not see it.")),
        405: ("method-not-allowed", _("This address does not accept that method.")),
        406: ("not-acceptable", _("This address answers in JSON only.")),
        413: ("payload-too-large", _("What you sent is larger than this service accepts.")),
        415: ("unsupported-media-type", _("Send the body as JSON (Content-Type: application/json).")),
        429: ("too-many-requests", _("Please wait before the next request.")),
    }
    name, detail = named.get(status, ("server-error", _("Nothing was saved. Please try again in a moment.")))
    return problem(name, detail)
