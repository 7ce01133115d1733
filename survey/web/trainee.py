"""The trainee's pages: the evaluation form and its receipt. No login, no JavaScript needed."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from survey.extensions import csrf, db
from survey.forms.layout import page_sections
from survey.forms.trainee import FormFlow
from survey.models import Programme
from survey.questionnaire.kinds import FormContext
from survey.services import programmes
from survey.services.responses import KeyReused, submit_response
from survey.web.i18n import current_language

bp = Blueprint("trainee", __name__)
# The trainee form checks its CSRF token itself, so that a stale token re-renders
# the page with every answer kept instead of failing with a bare 400.
csrf.exempt(bp)

RECEIPT_SALT = "trainee-receipt"


def _secret() -> str:
    return str(current_app.config["SECRET_KEY"])


def _use_programme_languages(programme: Programme) -> None:
    g.languages = programme.languages
    g.default_language = programme.default_language


def _context(programme: Programme) -> FormContext:
    return programmes.form_context(programme, current_app.config["MAX_TEXT_LENGTH"])


@bp.route("/s/<slug>", methods=["GET", "POST"])
def take_form(slug: str) -> ResponseReturnValue:
    """The evaluation form; 404 for unknown or draft programmes, 410 once closed."""
    programme = programmes.find_for_trainee(db.session(), slug)
    _use_programme_languages(programme)
    flow = FormFlow(definition=programme.questionnaire.definition, ctx=_context(programme), secret_key=_secret())
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "next")
        switch = request.form.get("switch_lang")
        if switch in programme.languages:
            g.chosen_language = switch
            action = "stay"
        if flow.receive(request.form, action):
            try:
                receipt = submit_response(
                    db.session(),
                    programme,
                    flow.answers(),
                    language=current_language(),
                    idempotency_key=flow.idempotency_key,
                )
            except KeyReused:
                abort(409)
            token = URLSafeSerializer(_secret(), salt=RECEIPT_SALT).dumps([receipt.response_id.hex, receipt.duplicate])
            return redirect(url_for(".thanks", slug=slug, r=token), code=303)
        if flow.form_errors or (flow.form is not None and flow.form.errors):
            status = 422
    else:
        flow.start()
    lang = current_language()
    return (
        render_template(
            "trainee/form.html",
            programme=programme,
            title=programme.questionnaire.definition["title"].get(lang, programme.questionnaire.title.get(lang, "")),
            intro=programme.questionnaire.definition.get("intro", {}).get(lang, ""),
            form=flow.form,
            flow=flow,
            sections=page_sections(flow.definition, flow.ctx, flow.page, lang),
            page_title=flow.definition["pages"][flow.page].get("title", {}).get(lang, ""),
        ),
        status,
    )


@bp.get("/s/<slug>/done")
def thanks(slug: str) -> ResponseReturnValue:
    """The receipt: says the response is stored, and whether it was a repeat."""
    programme = programmes.find_programme(db.session(), slug)
    _use_programme_languages(programme)
    try:
        response_hex, duplicate = URLSafeSerializer(_secret(), salt=RECEIPT_SALT).loads(request.args.get("r", ""))
        receipt = uuid.UUID(hex=response_hex).hex[:8].upper()
    except (BadSignature, ValueError, TypeError):
        abort(404)
    return render_template(
        "trainee/thanks.html",
        programme=programme,
        receipt=f"{receipt[:4]}-{receipt[4:]}",
        duplicate=bool(duplicate),
        message=_("Thank you! Your evaluation has been recorded."),
    )
