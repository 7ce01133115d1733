"""Kiosk mode: the trainee form on one shared tablet or laptop.

An organiser adds a kiosk device on the classroom kit page; its link carries
a random token of that device (survey.services.kiosks), so nobody can make
one up, the organiser can revoke it at once, and closing the programme (by
the organiser's button or by its closing time) revokes it. A link that does
not admit (unknown, revoked, from before the programme was closed, malformed)
answers one calm page and never stores.

In "codes" mode the kiosk asks each trainee for their code, as the phone form
does: the device does not vouch for anyone. Every refused code gets the same
message, so that trying codes on a kiosk tells nothing about them. The code
is posted, never put in the address, and travels in a hidden field. Refused
codes count against the client's address as on the phone form
(survey.web.limits): a kiosk link is no way around the limit on guessing.
Beyond it, the code page and the form answer 429 with Retry-After, the form
with every answer kept, and no code is checked.

After each response the device goes back to a blank form, and nothing of the
previous trainee is left: pages are never stored by the browser (no-store, so
neither the back button nor the back/forward cache shows old answers), the
form asks the browser not to autocomplete, keeps no draft on the device, and a
re-sent page of a finished form (back, then "resend") only shows the
thank-you screen again.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from survey.extensions import csrf, db
from survey.forms.trainee import FormFlow
from survey.models import AccessMode
from survey.services import codes, paper
from survey.services.codes import CodeRefused
from survey.services.kiosks import kiosk_admits
from survey.services.published import PublishedProgramme, open_programme, published_programme
from survey.web.answering import open_form, receive_page, send, status_of
from survey.web.i18n import LANG_COOKIE, current_language, speak_languages_of
from survey.web.limits import code_refused, with_retry_after
from survey.web.published import again_if_programme_changed
from survey.web.trainee import CodeState, code_message, code_waiting

bp = Blueprint("kiosk", __name__, url_prefix="/k")
# As for the trainee form: FormFlow checks the CSRF token (survey.web.form_guard) and keeps the answers.
csrf.exempt(bp)

#: Seconds the thank-you screen stays before the next blank form.
THANKS_SECONDS = 6


def _link_ended(programme: PublishedProgramme) -> ResponseReturnValue:
    """The one page for every kiosk link that does not admit: no hint of why."""
    speak_languages_of(programme)
    return render_template("kiosk/ended.html", programme=programme), 404


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
    """The paged trainee form, source "kiosk"; the calm 404 page for a link that
    does not admit, 410 once closed. In "codes" mode it starts with the code page."""
    programme = open_programme(db.session(), slug)
    # After the copy is loaded, never before: see kiosks.kiosk_admits.
    if not kiosk_admits(db.session(), programme, token):
        return _link_ended(programme)
    if current_user.is_authenticated:
        # A shared device must not carry an organiser's session to the trainees.
        logout_user()
    flow = open_form(programme)
    with_codes = programme.access_mode == AccessMode.CODES.value
    access: CodeState | None = None
    status = 200
    if request.method == "POST" and "code" in request.form and with_codes:
        # The code page, posted: the form's first page if the code lets the trainee in.
        access = _checked(programme, request.form.get("code", ""))
        if access.problem:
            return _code_page(programme, token, access)
        flow.start()
    elif request.method == "POST":
        if paper.already_stored(db.session(), programme, request.form.get("idem", "")):
            return redirect(url_for(".thanks", slug=slug, token=token), code=303)
        if with_codes:
            access = CodeState(codes.normalise_code(request.form.get("access_code", "")))
        if receive_page(programme, flow):
            # While this client waits, its code is not even checked: the answers come back kept.
            waiting = code_waiting(access.code) if access is not None else None
            if waiting:
                access = waiting
            else:
                try:
                    send(programme, flow, source="kiosk", access_code=access.code if access else None)
                except CodeRefused as exc:
                    _count_refusal(programme, exc)
                    access = CodeState(access.code if access else "", code_message(exc))
                else:
                    return redirect(url_for(".thanks", slug=slug, token=token), code=303)
        elif access is not None:
            access = _checked(programme, access.code)
        status = status_of(flow, bool(access and access.problem))
    elif with_codes:
        return _code_page(programme, token, None)
    else:
        flow.start()
    if access is not None and access.retry_after:
        page = make_response(_form_page(programme, token, flow, access), 429)
        return with_retry_after(page, access.retry_after)
    return _form_page(programme, token, flow, access), status


def _count_refusal(programme: PublishedProgramme, exc: CodeRefused) -> None:
    """A refused code counts against the client, as on the phone form; an empty field does not."""
    if not isinstance(exc, CodeMissing):
        code_refused(programme.slug)


def _checked(programme: PublishedProgramme, typed: str) -> CodeState:
    waiting = code_waiting(codes.normalise_code(typed))
    if waiting:
        return waiting
    try:
        return CodeState(codes.check_code(db.session(), programme, typed))
    except CodeRefused as exc:
        _count_refusal(programme, exc)
        return CodeState(codes.normalise_code(typed), code_message(exc))


def _code_page(programme: PublishedProgramme, token: str, access: CodeState | None) -> ResponseReturnValue:
    """The code page; the code typed is not shown again (the next trainee may read
    the device), refused or waiting: 422, or 429 with Retry-After while the client waits."""
    html = render_template(
        "kiosk/code.html",
        programme=programme,
        form_action=url_for(".take_form", slug=programme.slug, token=token),
        problem=access.problem if access else "",
    )
    if access is not None and access.retry_after:
        return with_retry_after(make_response(html, 429), access.retry_after)
    return html, 422 if access and access.problem else 200


def _form_page(programme: PublishedProgramme, token: str, flow: FormFlow, access: CodeState | None) -> str:
    hidden = flow.hidden_fields()
    if access is not None and not access.problem:
        hidden["access_code"] = access.code
    return render_template(
        "kiosk/form.html",
        kiosk=True,
        form_action=url_for(".take_form", slug=programme.slug, token=token),
        blank_url=_blank_url(programme, token),
        programme=programme,
        access=access,
        **flow.template_args(current_language(), hidden),
    )


@bp.get("/<slug>/<token>/done")
def thanks(slug: str, token: str) -> ResponseReturnValue:
    """Thank-you screen that hands the device to the next trainee by itself."""
    programme = published_programme(db.session(), slug)
    if not kiosk_admits(db.session(), programme, token):
        return _link_ended(programme)
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
