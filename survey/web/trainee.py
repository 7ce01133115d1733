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
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape
from werkzeug.wrappers import Response as BaseResponse

from survey.caches import RECEIPT_SIGNERS, SHARED_PAGES
from survey.extensions import csrf, db
from survey.forms.trainee import FormFlow
from survey.models import AccessMode
from survey.services import codes
from survey.services.codes import CodeMissing, CodeRefused, CodeUnknown
from survey.services.published import PublishedProgramme, open_programme, published_programme
from survey.web.answering import open_form, receive_page, send, status_of
from survey.web.compression import SharedStartPage
from survey.web.form_guard import CookieGuard
from survey.web.i18n import current_language, speak_languages_of
from survey.web.limits import code_refused, code_wait, limit_code_links, with_retry_after
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
    #: Seconds before a code is checked for this client again (too many refused); 0: none.
    retry_after: int = 0

    @property
    def shown(self) -> str:
        return codes.format_code(self.code) if codes.well_formed(self.code) else self.code


def code_message(exc: CodeRefused) -> str:
    """What a trainee reads when a code is refused: one message, and the same
    status, for unknown, used, malformed and other programmes' codes alike
    (survey.services.codes.check_code asks one query for each), so that
    typing codes tells nothing of which exist or were used (docs/anonymity.md)."""
    if isinstance(exc, CodeMissing):
        return str(_("Please type the code printed on your card."))
    return str(_("This code cannot be used here. Please check it, or ask the organisers for another one."))


def too_many_codes(seconds: int) -> str:
    """What a trainee reads while this address waits: a room shares one, so it
    says the network, not the person."""
    minutes = max(1, -(-seconds // 60))
    if minutes <= 90:
        return str(
            ngettext(
                "Too many wrong codes were typed from this network. Please wait %(num)d minute and try again.",
                "Too many wrong codes were typed from this network. Please wait %(num)d minutes and try again.",
                minutes,
            )
        )
    return str(
        ngettext(
            "Too many wrong codes were typed from this network. Please wait %(num)d hour and try again.",
            "Too many wrong codes were typed from this network. Please wait %(num)d hours and try again.",
            -(-minutes // 60),
        )
    )


def code_waiting(code: str) -> CodeState | None:
    """The code refused unchecked while this client waits (survey.web.limits), else None."""
    seconds = code_wait()
    return CodeState(code, too_many_codes(seconds), seconds) if seconds else None


def _check_code(programme: PublishedProgramme, typed: str) -> CodeState:
    waiting = code_waiting(codes.normalise_code(typed))
    if waiting:
        return waiting
    try:
        return CodeState(codes.check_code(db.session(), programme, typed))
    except CodeRefused as exc:
        if not isinstance(exc, CodeMissing):
            code_refused(programme.slug)
        return CodeState(codes.normalise_code(typed), code_message(exc))


def _code_page(programme: PublishedProgramme, typed: str, access: CodeState) -> ResponseReturnValue:
    html = render_template(
        "trainee/code.html",
        programme=programme,
        form_action=url_for(".take_form", slug=programme.slug),
        typed=typed,
        problem=access.problem,
    )
    if access.retry_after:
        return with_retry_after(make_response(html, 429), access.retry_after)
    return html, 422 if access.problem else 200


@bp.route("/s/<slug>", methods=["GET", "POST"])
@again_if_programme_changed
def take_form(slug: str) -> ResponseReturnValue:
    """The evaluation form; 404 for unknown or draft programmes, 410 once closed.

    In "codes" mode the form first asks for an invitation code, posted (never
    in the URL, so that no address logged or kept in a history holds it;
    /c/<code> leads to the same form); the code then travels in a hidden
    field, is checked again at each page, and is used up with the response. A
    refused code answers 422: on the code page, or on the form page with every
    answer kept and a field to type another code.
    """
    programme = open_programme(db.session(), slug, checked_within=published_trusted_for())
    with_codes = programme.access_mode == AccessMode.CODES.value
    if with_codes and request.method == "POST" and _CODE_FIELD in request.form and "access_code" not in request.form:
        return _start_with_code(programme, request.form[_CODE_FIELD])
    flow = open_form(programme)
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
            # While this client waits, its code is not even checked: the answers come back kept.
            waiting = code_waiting(access.code) if access is not None else None
            if waiting:
                access = waiting
            else:
                try:
                    receipt = send(programme, flow, source="web", access_code=access.code if access else None)
                except CodeRefused as exc:
                    if not isinstance(exc, CodeMissing):
                        code_refused(programme.slug)
                    access = CodeState(access.code if access else "", code_message(exc))
                else:
                    return _receipt_answer(slug, receipt.duplicate)
        elif access is not None:
            access = _check_code(programme, access.code)
        status = status_of(flow, bool(access and access.problem))
    else:
        if with_codes:
            return _code_page(programme, "", CodeState(""))
        flow.start()
    if access is not None and access.retry_after:
        page = make_response(_form_page(programme, flow, access), 429)
        return with_retry_after(page, access.retry_after)
    return _form_page(programme, flow, access), status


#: The field of the code page (templates/trainee/code.html).
_CODE_FIELD = "code"


def _start_with_code(programme: PublishedProgramme, typed: str) -> ResponseReturnValue:
    """The form's first page for a code that lets the trainee in, else the code page with why not."""
    flow = open_form(programme)
    access = _check_code(programme, typed)
    if access.problem:
        return _code_page(programme, typed, access)
    flow.start()
    return _form_page(programme, flow, access)


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


def _codes_waiting_page(seconds: int) -> ResponseReturnValue:
    message = too_many_codes(seconds)
    return render_template("errors/error.html", status=429, title=_("Please wait"), message=message), 429


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
@limit_code_links(_codes_waiting_page)
def code_link(code: str) -> ResponseReturnValue:
    """The short link printed on a code card (and in its QR code): the
    programme's form with the code filled in, answered here rather than by a
    redirect to an address holding the code; the same 404 for an unknown and
    a used code (nothing tells which codes exist or were used), counted
    against the client, and 429 while it waits (survey.web.limits).

    The code is in this request's path, so the access log records the route,
    never the path (survey.web.access_log), and the page sends no Referer: the
    form's next request does not carry the address on to a proxy's log."""
    try:
        slug, canonical = codes.programme_slug_for_code(db.session(), code)
    except CodeUnknown:
        abort(404)
    programme = open_programme(db.session(), slug, checked_within=published_trusted_for())
    if programme.access_mode != AccessMode.CODES.value:
        return redirect(url_for(".take_form", slug=slug), code=303)
    page = make_response(_start_with_code(programme, canonical))
    page.headers["Referrer-Policy"] = "no-referrer"
    return page


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
