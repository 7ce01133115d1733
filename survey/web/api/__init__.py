"""The JSON API, version 1, under /api/v1/ (docs/api.md).

Every call but the OpenAPI document brings a personal API token
(``Authorization: Bearer svy_...``, survey.services.api_tokens); the API never
reads the session cookie, so a signed-in browser's cookie opens nothing here,
and a page on another site cannot make the browser call it in the user's name.
That, and only that, is why the blueprint is exempt from CSRF tokens.

Before each view: the client's refused tokens are rate-limited, the token is
checked (known, not revoked, not expired, its owner active and of a role that
may hold it), then the token's own calls are rate-limited. Each view checks
the scope and the programme (named by the token and still granted) itself.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from survey.extensions import csrf, db
from survey.services.api_tokens import Caller, TokenRefused, authenticate
from survey.web.api.problems import for_http_status, problem, too_many, unauthorized
from survey.web.limits import api_call_wait, api_refusals_wait, api_refused

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
# Bearer tokens only, never the session cookie: see the module's docstring.
csrf.exempt(bp)
#: Endpoints anyone may read: the API's own description.
PUBLIC = frozenset({"api.openapi", "api.docs"})


def caller() -> Caller:
    """The caller of this request, checked before the view ran."""
    found: Caller = g.api_caller
    return found


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@bp.before_request
def check_token() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    waiting = api_refusals_wait()
    if waiting:
        return too_many(waiting)
    secret = _bearer()
    if secret is None:
        api_refused()
        return unauthorized(_("Send an API token in the Authorization header: Bearer, then the token."))
    try:
        g.api_caller = authenticate(db.session(), secret, str(current_app.config["SECRET_KEY"]))
    except TokenRefused:
        api_refused()
        return unauthorized(_("This token is unknown, revoked or expired."))
    waiting = api_call_wait(g.api_caller.token.id)
    if waiting:
        return too_many(waiting)
    return None


@bp.errorhandler(HTTPException)
def http_problem(exc: HTTPException) -> Response:
    return api_problem_for(exc.code or 500, exc)


def is_api_request() -> bool:
    """Whether this request is addressed to the API (an unknown route under it included)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def api_problem_for(status: int, exc: HTTPException | None = None) -> Response:
    """For the application's error handlers: an error under /api/v1 as a problem detail,
    with the headers the error carries (``Allow`` on a 405)."""
    response = for_http_status(status)
    if exc is not None:
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
    return response


__all__ = ["PREFIX", "bp", "caller", "is_api_request", "problem"]

from survey.web.api import endpoints  # noqa: E402,F401  (registers the routes on bp)
