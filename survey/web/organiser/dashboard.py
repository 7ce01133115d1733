"""The programme list and the live view of responses."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from reports import charts
from survey.extensions import db
from survey.services import access, aggregates
from survey.web.auth import role_required
from survey.web.i18n import current_language
from survey.web.organiser import STAFF, bp, programme_for
from survey.web.security import allow_chart_styles


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    session = db.session()
    rows = [(p, aggregates.response_count(session, p)) for p in access.visible_programmes(session, current_user)]
    return render_template("organiser/index.html", rows=rows)


@bp.get("/<slug>")
@role_required(*STAFF)
def dashboard(slug: str) -> ResponseReturnValue:
    """Response count against expected, and one chart per scale question."""
    programme = programme_for(slug)
    session = db.session()
    data = aggregates.programme_data(session, programme)
    lang = current_language()
    figures = []
    for question in data.questionnaire.questions:
        figure = charts.figure_for_question(data, question, lang)
        if figure is not None:
            figures.append({"code": question.code, "json": charts.figure_json(figure)})
    allow_chart_styles()
    expected = programme.expected_participants
    return render_template(
        "organiser/dashboard.html",
        programme=programme,
        n_responses=data.n_responses,
        expected=expected,
        rate=(data.n_responses / expected) if expected else None,
        figures=figures,
    )
