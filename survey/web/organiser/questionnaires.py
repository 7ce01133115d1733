"""The questionnaire library: list, import and export YAML, preview as trainees see it.

A stored version never changes; importing a changed file makes the next
version, so answers always stay tied to the questions their trainees saw.
"""

from __future__ import annotations

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from reports.languages import direction
from survey.extensions import db
from survey.forms.questionnaire import ImportQuestionnaireForm
from survey.forms.trainee import compile_form
from survey.questionnaire import DefinitionError
from survey.questionnaire.kinds import FormContext
from survey.services import questionnaires
from survey.web.auth import role_required
from survey.web.organiser import MANAGERS, bp, programme_for


def _library_page(form: ImportQuestionnaireForm, status: int, **extra: object) -> ResponseReturnValue:
    entries = questionnaires.library(db.session(), current_user)
    return render_template("organiser/questionnaires.html", entries=entries, form=form, **extra), status


@bp.get("/questionnaires", endpoint="questionnaires")
@role_required(*MANAGERS)
def questionnaires_library() -> ResponseReturnValue:
    """Every version with the programmes and responses that use it, and the import form."""
    return _library_page(ImportQuestionnaireForm(), 200)


@bp.post("/questionnaires/import")
@role_required(*MANAGERS)
def import_questionnaire() -> ResponseReturnValue:
    """Store an uploaded YAML file; 422 listing every problem, as the CLI does."""
    form = ImportQuestionnaireForm()
    if form.validate_on_submit():
        try:
            questionnaire, created = questionnaires.import_text(db.session(), form.text, form.filename)
        except DefinitionError as exc:
            return _library_page(form, 422, source=exc.source, problems=exc.problems)
        values = {"code": questionnaire.code, "version": questionnaire.version}
        if created:
            flash(_("Imported: %(code)s version %(version)d.", **values))
        else:
            flash(_("Unchanged: %(code)s version %(version)d is already in the library.", **values))
        return redirect(url_for(".questionnaires"), code=303)
    return _library_page(form, 422)


@bp.get("/questionnaires/<code>/v<int:version>.yaml")
@role_required(*MANAGERS)
def export_questionnaire(code: str, version: int) -> ResponseReturnValue:
    """The YAML of one version, as a download that imports back unchanged."""
    questionnaire = questionnaires.find_version(db.session(), code, version)
    return Response(
        questionnaires.export_questionnaire(questionnaire),
        content_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{questionnaire.code}-v{questionnaire.version}.yaml"'},
    )


def _example_sessions() -> tuple[tuple[int, str, str], ...]:
    return (
        (1, _("Example session 1"), "session"),
        (2, _("Example session 2"), "session"),
        (3, _("Example workshop"), "workshop"),
    )


@bp.get("/questionnaires/<code>/v<int:version>/preview")
@role_required(*MANAGERS)
def preview_questionnaire(code: str, version: int) -> ResponseReturnValue:
    """One page of the trainee form, read-only, in one of its languages.

    GET only, and no <form>: nothing on this page can store an answer.
    ``?page=N`` (from 1), ``?language=xx`` (the questionnaire's language, not
    the interface's: ``lang`` would switch and remember the organiser's own
    language), ``?programme=slug`` to see that programme's sessions in matrix
    questions instead of three examples.
    """
    questionnaire = questionnaires.find_version(db.session(), code, version)
    definition = questionnaire.definition
    programme = programme_for(request.args["programme"], manage=True) if request.args.get("programme") else None
    languages = list(definition["languages"])
    language = request.args.get("language", "")
    if language not in languages:
        language = programme.default_language if programme and programme.default_language in languages else languages[0]
    page_count = len(definition["pages"])
    page = min(max(request.args.get("page", 1, type=int), 1), page_count)
    with force_locale(language):
        sessions = (
            tuple((s.id, s.title, s.kind) for s in programme.sessions) if programme is not None else _example_sessions()
        )
        ctx = FormContext(
            sessions=sessions, max_text_length=current_app.config["MAX_TEXT_LENGTH"], scales=definition["scales"]
        )
        fragment = render_template(
            "organiser/questionnaire_preview_page.html",
            sections=compile_form(definition, ctx).sections(page - 1, language),
            values={},
            field_errors={},
            error_names=frozenset(),
            title=definition["title"].get(language, ""),
            intro=definition.get("intro", {}).get(language, ""),
            page_title=definition["pages"][page - 1].get("title", {}).get(language, ""),
            page=page,
            page_count=page_count,
            programme=programme,
        )
    return render_template(
        "organiser/questionnaire_preview.html",
        questionnaire=questionnaire,
        fragment=Markup(fragment),  # noqa: S704  (rendered by our own autoescaping template above)
        language=language,
        languages=languages,
        direction=direction(language),
        page=page,
        page_count=page_count,
        programme=programme,
    )
