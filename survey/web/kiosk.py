"""Kiosk mode: the trainee form on one shared tablet or laptop.

An organiser hands out the kiosk link from the classroom kit page; it carries a
signed token naming the programme, so nobody can make one up, and it works in
"codes" mode too (the organiser, not a code, vouches for the device). After
each response the device goes back to a blank form, and nothing of the
previous trainee is left: pages are never stored by the browser (no-store, so
neither the back button nor the back/forward cache shows old answers), the
form asks the browser not to autocomplete, keeps no draft on the device, and a
re-sent page of a finished form (back, then "resend") only shows the
thank-you screen again.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from survey.extensions import csrf, db
from survey.models import Programme
from survey.services import paper
from survey.services.published import PublishedProgramme, open_programme, published_programme
from survey.web.answering import open_form, receive_page, send, status_of
from survey.web.i18n import LANG_COOKIE, current_language, speak_languages_of
from survey.web.published import again_if_programme_changed

bp = Blueprint("kiosk", __name__, url_prefix="/k")
# As for the trainee form: FormFlow checks the CSRF token (survey.web.form_guard) and keeps the answers.
csrf.exempt(bp)

KIOSK_SALT = "kiosk"
#: Seconds the thank-you screen stays before the next blank form.
THANKS_SECONDS = 6


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=KIOSK_SALT)


def kiosk_token(programme: Programme) -> str:
    """The signed part of a programme's kiosk link; only the kit page shows it."""
    return str(_serializer().dumps(programme.id))


def _check_token(token: str) -> int:
    try:
        programme_id = _serializer().loads(token)
    except BadSignature:
        abort(404)
    if not isinstance(programme_id, int):
        abort(404)
    return programme_id


def _blank_url(programme: PublishedProgramme, token: str) -> str:
    """The empty form for the next trainee."""
    return url_for(".take_form", slug=programme.slug, token=token)


@bp.after_request
def never_store(response: Response) -> Response:
    """No copy of a kiosk page in any cache, the back/forward cache included."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<slug>/<token>", methods=["GET", "POST"])
@again_if_programme_changed
def take_form(slug: str, token: str) -> ResponseReturnValue:
    """The paged trainee form, source "kiosk"; 404 for a forged token, 410 once closed."""
    programme_id = _check_token(token)
    programme = open_programme(db.session(), slug)
    if programme.id != programme_id:
        abort(404)
    if current_user.is_authenticated:
        # A shared device must not carry an organiser's session to the trainees.
        logout_user()
    flow = open_form(programme)
    status = 200
    if request.method == "POST":
        if paper.already_stored(db.session(), programme, request.form.get("idem", "")):
            return redirect(url_for(".thanks", slug=slug, token=token), code=303)
        if receive_page(programme, flow):
            send(programme, flow, source="kiosk")
            return redirect(url_for(".thanks", slug=slug, token=token), code=303)
        status = status_of(flow)
    else:
        flow.start()
    return (
        render_template(
            "kiosk/form.html",
            kiosk=True,
            form_action=url_for(".take_form", slug=slug, token=token),
            blank_url=_blank_url(programme, token),
            programme=programme,
            **flow.template_args(current_language()),
        ),
        status,
    )


@bp.get("/<slug>/<token>/done")
def thanks(slug: str, token: str) -> ResponseReturnValue:
    """Thank-you screen that hands the device to the next trainee by itself."""
    programme_id = _check_token(token)
    programme = published_programme(db.session(), slug)
    if programme.id != programme_id:
        abort(404)
    speak_languages_of(programme)
    response = make_response(
        render_template(
            "kiosk/thanks.html",
            programme=programme,
            next_url=_blank_url(programme, token),
            seconds=THANKS_SECONDS,
            message=_("Thank you! Your evaluation has been recorded."),
        )
    )
    # The next trainee starts in the device's language, not the one this trainee chose.
    response.delete_cookie(LANG_COOKIE, samesite="Lax", httponly=True)
    return response
