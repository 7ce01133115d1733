"""The trainee's pages: the evaluation form and its receipt. No login, no JavaScript needed.

With JavaScript the form is sent in the background (static/js/form.js asks
for JSON): the page stays whatever the network does, and the script resends
until the response is stored. The receipt names no response: its number is
drawn at random for each send, and travels in a cookie, never in a URL, so no
access log can hold it (issue 14).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape
from werkzeug.wrappers import Response as BaseResponse

from survey.caches import RECEIPT_SIGNERS, SHARED_PAGES
from survey.extensions import csrf, db
from survey.forms.trainee import FormFlow
from survey.models import AccessMode
from survey.services import codes
from survey.services.codes import CodeMissing, CodeRefused, CodeUnknown, CodeUsed
from survey.services.published import PublishedProgramme, open_programme, published_programme
from survey.web.answering import open_form, receive_page, send, status_of
from survey.web.compression import SharedStartPage
from survey.web.form_guard import CookieGuard
from survey.web.i18n import current_language, speak_languages_of
from survey.web.published import again_if_programme_changed, published_trusted_for

bp = Blueprint("trainee", __name__)
# The trainee form checks its own CSRF token (survey.web.form_guard), so that a
# stale token re-renders the page with every answer kept instead of a bare 400.
csrf.exempt(bp)

RECEIPT_SALT = "trainee-receipt"
#: The cookie that takes the receipt to the receipt page (only that page's path).
RECEIPT_COOKIE = "receipt"
#: Letters and digits a trainee cannot misread (no 0/O, 1/I/L).
_RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _receipts(secret: str) -> URLSafeSerializer:
    """Signs receipt cookies; built once per key (a noticeable share of a send)."""
    signer: URLSafeSerializer | None = RECEIPT_SIGNERS.get(secret)
    return signer if signer is not None else RECEIPT_SIGNERS.put(secret, URLSafeSerializer(secret, salt=RECEIPT_SALT))


def receipt_number() -> str:
    """A fresh receipt number, "ABCD-EFGH": random, stored nowhere, so it
    names no response; it tells the trainee their evaluation arrived."""
    chars = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def _sent_in_background() -> bool:
    """Whether form.js sent this POST (it asks for JSON) rather than the browser."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _receipt_answer(slug: str, duplicate: bool) -> BaseResponse:
    """The answer to a stored form: the receipt page (a redirect), or for the
    script, the receipt in JSON; either way the receipt cookie for that page."""
    number = receipt_number()
    done = url_for(".thanks", slug=slug)
    response: BaseResponse
    if _sent_in_background():
        response = jsonify(status="stored", receipt=number, duplicate=duplicate, url=done)
    else:
        response = redirect(done, code=303)
    response.set_cookie(
        RECEIPT_COOKIE,
        _receipts(_secret()).dumps([number, duplicate]),
        path=done,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )
    return response


@dataclass(frozen=True)
class CodeState:
    """The invitation code a form travels with (a programme in "codes" mode),
    and what is wrong with it, if anything."""

    code: str
    problem: str = ""

    @property
    def shown(self) -> str:
        return codes.format_code(self.code) if codes.well_formed(self.code) else self.code


def _code_message(exc: CodeRefused) -> str:
    if isinstance(exc, CodeMissing):
        return str(_("Please type the code printed on your card."))
    if isinstance(exc, CodeUsed):
        return str(_("This code has already been used: each code works once. Please ask the organisers for a new one."))
    return str(_("This code does not open this evaluation. Please check it and type it again."))


def _check_code(programme: PublishedProgramme, typed: str) -> CodeState:
    try:
        return CodeState(codes.check_code(db.session(), programme, typed))
    except CodeRefused as exc:
        return CodeState(codes.normalise_code(typed), _code_message(exc))


def _code_page(programme: PublishedProgramme, typed: str, problem: str) -> ResponseReturnValue:
    return (
        render_template("trainee/code.html", programme=programme, typed=typed, problem=problem),
        422 if problem else 200,
    )


@bp.route("/s/<slug>", methods=["GET", "POST"])
@again_if_programme_changed
def take_form(slug: str) -> ResponseReturnValue:
    """The evaluation form; 404 for unknown or draft programmes, 410 once closed.

    In "codes" mode the form first asks for an invitation code (``?code=``,
    also where /c/<code> leads); the code then travels in a hidden field, is
    checked again at each page, and is used up with the response. A refused
    code answers 422: on the code page, or on the form page with every answer
    kept and a field to type another code.
    """
    programme = open_programme(db.session(), slug, checked_within=published_trusted_for())
    flow = open_form(programme)
    with_codes = programme.access_mode == AccessMode.CODES.value
    access: CodeState | None = None
    status = 200
    if request.method == "POST":
        background = _sent_in_background()
        guard = CookieGuard()
        if background and not guard.accepts(request.form.get("csrf_token", "")):
            # A day-old page or a restarted browser: the script takes a fresh
            # token (and cookie) and sends again, the answers untouched.
            return jsonify(status="token", token=guard.token()), 403
        if with_codes:
            access = CodeState(codes.normalise_code(request.form.get("access_code", "")))
        if receive_page(programme, flow):
            try:
                receipt = send(programme, flow, source="web", access_code=access.code if access else None)
            except CodeRefused as exc:
                access = CodeState(access.code if access else "", _code_message(exc))
            else:
                return _receipt_answer(slug, receipt.duplicate)
        elif access is not None:
            access = _check_code(programme, access.code)
        status = status_of(flow, bool(access and access.problem))
    else:
        if with_codes:
            typed = request.args.get("code")
            if typed is None:
                return _code_page(programme, "", "")
            access = _check_code(programme, typed)
            if access.problem:
                return _code_page(programme, typed, access.problem)
        flow.start()
    return _form_page(programme, flow, access), status


def _form_page(programme: PublishedProgramme, flow: FormFlow, access: CodeState | None) -> Response | str:
    """The form as ``flow`` shows it. The blank form, and a page first reached
    by "Next" without JavaScript, hold nothing of this trainee's but hidden
    fields: they come from the shared pages. Anything else (answers, errors, a
    message waiting in the session) is rendered for this trainee."""
    if flow.shows_nothing_typed and not (access and access.problem) and not session.get("_flashes"):
        return _shared_page(programme, flow, _hidden(flow, access))
    return render_template(
        "trainee/form.html",
        programme=programme,
        access=access,
        **flow.template_args(current_language(), _hidden(flow, access)),
    )


def _hidden(flow: FormFlow, access: CodeState | None) -> dict[str, str]:
    """The form's hidden fields: the flow's, and the invitation code it travels with."""
    hidden = flow.hidden_fields()
    if access and not access.problem:
        hidden["access_code"] = access.code
    return hidden


#: Marks where each trainee's hidden fields go in a shared page.
_MARK = "mark" + secrets.token_hex(12)


def _shared_page(programme: PublishedProgramme, flow: FormFlow, hidden: dict[str, str]) -> Response:
    """The page every trainee is shown at this point, with ``hidden`` filled in.
    The hidden fields come last in the form, so the page is rendered and
    compressed once, and only its end is made per trainee."""
    lang = current_language()
    names = tuple(hidden)
    key = (flow.compiled.key, programme.version, lang, request.script_root, flow.page, flow.every_page, names)
    page: SharedStartPage | None = SHARED_PAGES.get(key)
    if page is None:
        marked = {name: f"{_MARK}{index}x" for index, name in enumerate(names)}
        html = render_template(
            "trainee/form.html", programme=programme, access=None, **flow.template_args(lang, marked)
        )
        split = html.index(_MARK)
        page = SHARED_PAGES.put(key, SharedStartPage(html[:split], html[split:]))
    tail = page.tail
    for index, value in enumerate(hidden.values()):
        tail = tail.replace(f"{_MARK}{index}x", escape(value))
    return page.response(tail)


@bp.get("/s/<slug>/offline.js")
def offline_worker(slug: str) -> ResponseReturnValue:
    """The form's service worker (static/js/sw.js), served under the form's
    path and allowed the form's scope, so a link opened once opens offline."""
    assert current_app.static_folder is not None
    response = send_from_directory(current_app.static_folder, "js/sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = url_for(".take_form", slug=slug)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/c/<code>")
def code_link(code: str) -> ResponseReturnValue:
    """The short link printed on a code card (and in its QR code): straight to
    the programme's form with the code filled in; 404 for an unknown code."""
    try:
        slug, canonical = codes.programme_slug_for_code(db.session(), code)
    except CodeUnknown:
        abort(404)
    return redirect(url_for(".take_form", slug=slug, code=codes.format_code(canonical)))


@bp.get("/s/<slug>/done")
def thanks(slug: str) -> ResponseReturnValue:
    """The receipt: says the response is stored, and whether it was a repeat;
    404 without the receipt cookie the send set."""
    programme = published_programme(db.session(), slug, checked_within=published_trusted_for())
    speak_languages_of(programme)
    try:
        receipt, duplicate = _receipts(_secret()).loads(request.cookies.get(RECEIPT_COOKIE, ""))
    except (BadSignature, ValueError, TypeError):
        abort(404)
    if not isinstance(receipt, str):
        abort(404)
    return render_template(
        "trainee/thanks.html",
        programme=programme,
        receipt=receipt,
        duplicate=bool(duplicate),
        message=_("Thank you! Your evaluation has been recorded."),
    )
