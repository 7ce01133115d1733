"""What the trainee form and the kiosk share: the programme's languages, the
form's flow, a page received, and the send.

Both blueprints answer the same form (one programme, paged, checked by
FormFlow, stored through survey.services.responses); they differ in who
vouches for the trainee (a link or a code, or the organiser's device) and in
what follows the send (a receipt, or a blank form for the next trainee).
"""

from __future__ import annotations

from flask import abort, current_app, request

from survey.extensions import db
from survey.forms.trainee import FormFlow
from survey.services.published import PublishedProgramme
from survey.services.responses import KeyReused, Receipt, submit_response
from survey.web.form_body import unreadable_fields
from survey.web.form_guard import CookieGuard
from survey.web.i18n import choose_language, current_language, speak_languages_of


def open_form(programme: PublishedProgramme) -> FormFlow:
    """The form of ``programme``, with the page spoken in one of its languages."""
    speak_languages_of(programme)
    return FormFlow(
        definition=programme.definition,
        ctx=programme.form_context(current_app.config["MAX_TEXT_LENGTH"]),
        secret_key=str(current_app.config["SECRET_KEY"]),
        guard=CookieGuard(),
    )


def receive_page(programme: PublishedProgramme, flow: FormFlow) -> bool:
    """Read the posted page into ``flow``; True when the form is complete and valid to send.

    A language switch ("switch_lang") stays on the page, in the chosen language.
    """
    action = request.form.get("action", "next")
    switch = request.form.get("switch_lang")
    if switch in programme.languages:
        choose_language(switch)
        action = "stay"
    return flow.receive(request.form, action, unreadable_fields(request.form))


def send(programme: PublishedProgramme, flow: FormFlow, *, source: str, access_code: str | None = None) -> Receipt:
    """Store the complete form; 409 for a form key another programme's response holds.

    Raises what :func:`submit_response` raises otherwise (closed, a refused
    code, a programme changed since the page was checked).
    """
    try:
        return submit_response(
            db.session(),
            programme,
            flow.answers(),
            language=current_language(),
            idempotency_key=flow.idempotency_key,
            source=source,
            access_code=access_code,
        )
    except KeyReused:
        abort(409)


def status_of(flow: FormFlow, problem: bool = False) -> int:
    """422 when the page comes back with something to correct, else 200."""
    return 422 if flow.form_errors or flow.error_names or problem else 200
