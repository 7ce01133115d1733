"""CSRF protection for the trainee and kiosk forms, without a server-side session.

Flask-WTF keeps its token in Flask's signed session cookie: on the trainee
form that meant decoding and signing again, on every request, a session that
held nothing else (bench/README.md says what it cost). These two forms use a
signed double-submit cookie instead, the scheme Django uses by default: the
browser holds a random value in an HttpOnly cookie, and every form it is given
carries HMAC(secret key, value). A POST is accepted when its token is the one
for the cookie it came with. Another site can make the browser send the
cookie, but can read neither the cookie nor the page, so it cannot send the
token. The value names nobody and is stored nowhere: it cannot link a response
to a person.

Staff pages keep Flask-WTF's session-bound tokens (they have a session anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Flask, Response, current_app, g, request

COOKIE_NAME = "form_guard"
_VALUE = re.compile(r"[0-9a-f]{32}")
_PURPOSE = b"survey form guard\x00"


class CookieGuard:
    """The token for this browser's forms, and the check of a posted one.

    Implements survey.forms.trainee.RequestGuard. Off where Flask-WTF's
    WTF_CSRF_ENABLED is off (a few tests), like the staff forms.
    """

    def token(self) -> str:
        if not _enabled():
            return ""
        return _sign(_browser_value(mint=True))

    def accepts(self, token: str) -> bool:
        if not _enabled():
            return True
        value = _browser_value(mint=False)
        # Bytes: compare_digest raises on a str with non-ASCII characters (a posted "é").
        return bool(value) and hmac.compare_digest(_sign(value).encode(), token.encode("utf-8", "replace"))


def _enabled() -> bool:
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def _browser_value(*, mint: bool) -> str:
    """The value of this browser's cookie; a new one (set on the response) if it has none."""
    value = g.get("form_guard_new") or request.cookies.get(COOKIE_NAME, "")
    if _VALUE.fullmatch(value):
        return value
    if not mint:
        return ""
    value = g.form_guard_new = secrets.token_hex(16)
    return value


def _sign(value: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, _PURPOSE + value.encode(), hashlib.sha256).hexdigest()


def _set_new_cookie(response: Response) -> Response:
    value = g.get("form_guard_new")
    if value:
        response.set_cookie(
            COOKIE_NAME,
            value,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


def init_form_guard(app: Flask) -> None:
    app.after_request(_set_new_cookie)
