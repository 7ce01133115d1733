"""The classroom kit, for trainees without a phone or data: printed paper forms,
the screen where an organiser types them in, and the kiosk link.

Managers only: each view asks :func:`programme_for` with ``manage=True``.
"""

from __future__ import annotations

import base64
import hashlib

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from reports import languages
from survey.extensions import db
from survey.forms.admin import ActionForm
from survey.forms.kiosks import KioskDeviceForm
from survey.forms.paper import (
    PrintForm,
    first_error,
    language_choices,
    numbered_pages,
    paper_answers,
    paper_entry_form_class,
    print_form,
    suggested_ranges,
)
from survey.models import Programme
from survey.services import NotAccepting, paper, paper_jobs, programmes, report_documents
from survey.services.report_queue import ReportQueue
from survey.services.responses import KeyReused, PaperNumberTaken
from survey.web.auth import role_required
from survey.web.i18n import current_language
from survey.web.organiser import MANAGERS, bp, programme_for
from survey.web.organiser.kiosks import device_rows
from survey.web.security import CSP


def _default_copies(programme: Programme) -> int:
    return programme.expected_participants or 30


@bp.get("/<slug>/kit")
@role_required(*MANAGERS)
def classroom_kit(slug: str) -> ResponseReturnValue:
    """Paper forms per language, the data-entry screen and the kiosk devices, with how to use them."""
    programme = programme_for(slug, manage=True)
    return _kit_page(programme, print_form(None, programme.languages, _default_copies(programme)), 200)


def _kit_page(programme: Programme, form: PrintForm, status: int) -> ResponseReturnValue:
    return (
        render_template(
            "organiser/kit.html",
            programme=programme,
            form=form,
            ranges=suggested_ranges(programme.languages, _default_copies(programme)),
            tally=paper.paper_tally(db.session(), programme),
            kiosk_devices=device_rows(programme),
            kiosk_form=KioskDeviceForm(formdata=None),
            revoke_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.get("/<slug>/paper.html")
@role_required(*MANAGERS)
def paper_form(slug: str) -> ResponseReturnValue:
    """The printable questionnaire in ``language``, copies numbered ``first`` to
    ``first + copies - 1``, as a page (the preview, or to print from the browser).

    A4, in the chosen language, every page of a copy carrying its form number.
    400 for a language or range that is not offered.
    """
    programme = programme_for(slug, manage=True)
    form = print_form(request.args, programme.languages, _default_copies(programme), fill_in=True)
    if not form.validate():
        abort(400)
    lang, numbers = _chosen(form)
    return _page_response(*_paper_html(programme, lang, numbers, pdf_missing=False))


@bp.route("/<slug>/paper.pdf", methods=["GET", "POST"])
@role_required(*MANAGERS)
def paper_pdf(slug: str) -> ResponseReturnValue:
    """Ask for the paper form as a PDF: the report worker prints it (never this
    request), and the job page (303) shows its state, then the file.

    The choices are posted (``language``, ``first``, ``copies``; what is left out
    takes its default); wrong ones show the kit again with why (422). Without
    Chromium the page itself is answered, with a note to print it from the
    browser (200). A GET (an old link) goes to the kit.
    """
    programme = programme_for(slug, manage=True)
    if request.method == "GET":
        return redirect(url_for(".classroom_kit", slug=slug, _anchor="paper"), 303)
    form = print_form(request.form, programme.languages, _default_copies(programme), fill_in=True)
    if not form.validate():
        return _kit_page(programme, form, 422)
    lang, numbers = _chosen(form)
    page, _style = _paper_html(programme, lang, numbers, pdf_missing=False)
    queue: ReportQueue = current_app.extensions["survey.report_queue"]
    try:
        job = paper_jobs.ask(db.session(), current_user, programme, lang, numbers, page, queue.enqueue, queue.settings)
    except report_documents.PdfNotAvailable:
        return _page_response(*_paper_html(programme, lang, numbers, pdf_missing=True))
    return redirect(url_for("evaluator.job", job_id=job.id), 303)


def _chosen(form: PrintForm) -> tuple[str, range]:
    first, copies = int(form.first.data), int(form.copies.data)
    return str(form.language.data), range(first, first + copies)


def _page_response(html: str, style: str) -> Response:
    # The page carries its own <style> (Chromium prints it from a file, with no
    # server to fetch a stylesheet from): allow exactly that style, nothing else.
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    g.csp = CSP.replace("style-src 'self'", f"style-src 'self' 'sha256-{digest}'")
    return Response(html, mimetype="text/html")


def _paper_html(programme: Programme, lang: str, numbers: range, *, pdf_missing: bool) -> tuple[str, str]:
    """The questionnaire as a printable page in ``lang``, and its inline style."""
    definition = programme.questionnaire.definition
    ctx = programmes.form_context(programme, current_app.config["MAX_TEXT_LENGTH"])
    with force_locale(lang):
        style = render_template("paper/_style.css.html")
        html = render_template(
            "paper/questionnaire.html",
            programme=programme,
            paper_lang=lang,
            paper_dir=languages.direction(lang),
            title=definition["title"].get(lang) or programme.questionnaire.title.get(lang, ""),
            intro=definition.get("intro", {}).get(lang, ""),
            pages=numbered_pages(definition, ctx, lang),
            numbers=numbers,
            style=style,
            pdf_missing=pdf_missing,
        )
    return html, style


@bp.route("/<slug>/entry", methods=["GET", "POST"])
@role_required(*MANAGERS)
def data_entry(slug: str) -> ResponseReturnValue:
    """Type in one paper form: every question on one screen, keyboard only.

    Nothing is required (paper comes back incomplete) but ranges and types are
    checked; a form number typed in before is refused. After a save, an empty
    screen with the same language selected.
    """
    programme = programme_for(slug, manage=True)
    definition = programme.questionnaire.definition
    ctx = programmes.form_context(programme, current_app.config["MAX_TEXT_LENGTH"])
    form_class = paper_entry_form_class(definition, ctx)
    status = 200
    if request.method == "POST":
        form = form_class()
        form.language.choices = language_choices(programme.languages)
        form.ensure_key()
        if form.validate_on_submit():
            try:
                paper.enter_paper_form(
                    db.session(),
                    programme,
                    paper_answers(form, definition, ctx),
                    language=str(form.language.data),
                    paper_number=int(form.paper_number.data),
                    idempotency_key=str(form.idem.data),
                )
            except PaperNumberTaken as exc:
                form.paper_number.errors.append(
                    _(
                        "Form no. %(number)d was already typed in. Check the number on the sheet; to "
                        "correct an earlier entry, exclude it under Responses and type the sheet in again "
                        "under an unused number.",
                        number=exc.number,
                    )
                )
            except paper.EmptyPaperForm:
                form.form_errors.append(_("Nothing was entered: a blank sheet is not stored."))
            except NotAccepting:
                form.form_errors.append(
                    _("This programme does not take responses now: open it again to type in paper forms.")
                )
            except KeyReused:
                form.idem.data = ""
                form.ensure_key()
                form.form_errors.append(_("This screen had expired. Please press Save again."))
            else:
                flash(_("Form no. %(number)d saved.", number=form.paper_number.data))
                return redirect(url_for(".data_entry", slug=slug, paper_lang=form.language.data), code=303)
        status = 422
    else:
        chosen = request.args.get("paper_lang")
        language = chosen if chosen in programme.languages else programme.default_language
        form = form_class(formdata=None, data={"language": language})
        form.language.choices = language_choices(programme.languages)
        form.ensure_key()
    return (
        render_template(
            "organiser/kit_entry.html",
            programme=programme,
            form=form,
            pages=numbered_pages(definition, ctx, current_language()),
            focus=first_error(form) or "paper_number",
            tally=paper.paper_tally(db.session(), programme),
        ),
        status,
    )
