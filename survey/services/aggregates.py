"""SQL aggregates of a programme's answers, handed to ``reports`` as plain data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports import data
from survey.models import Answer, Programme, Question, Response
from survey.questionnaire.definition import iter_questions
from survey.questionnaire.kinds import KINDS, ScaleKind
from survey.services.programmes import form_context


def response_count(session: Session, programme: Programme) -> int:
    return int(session.scalar(select(func.count()).where(Response.programme_id == programme.id)) or 0)


def last_change(session: Session, programme: Programme) -> tuple[int, str]:
    """(count, latest submission time): a cheap fingerprint of the programme's responses."""
    count, latest = session.execute(
        select(func.count(), func.max(Response.submitted_at)).where(Response.programme_id == programme.id)
    ).one()
    return int(count or 0), str(latest or "")


def questionnaire_spec(programme: Programme) -> data.Questionnaire:
    """The questionnaire as ``reports`` sees it, matrix rows being this programme's sessions."""
    definition: Mapping[str, Any] = programme.questionnaire.definition
    ctx = form_context(programme)
    questions = []
    for _page, _section, question in iter_questions(definition):
        kind = KINDS[question["kind"]]
        points: tuple[int, ...] = ()
        point_labels: dict[str, tuple[str, ...]] = {}
        items: tuple[data.Option, ...] = ()
        if isinstance(kind, ScaleKind):
            points = tuple(kind.points(question, ctx))
            point_labels = {lang: tuple(kind.point_labels(question, ctx, lang)) for lang in definition["languages"]}
            if question["kind"] == "before_after":
                items = (
                    data.Option("before", {"fr": "Avant", "en": "Before", "ar": "قبل"}),
                    data.Option("after", {"fr": "Maintenant", "en": "Now", "ar": "الآن"}),
                )
            elif question["kind"] == "matrix":
                items = tuple(
                    data.Option(item, dict.fromkeys(definition["languages"], title))
                    for item, title in kind.items(question, ctx)
                )
        options = tuple(data.Option(o["value"], o["label"]) for o in question.get("options", ()))
        questions.append(
            data.Question(
                code=question["code"],
                kind=question["kind"],
                text=question["text"],
                dimension=question.get("dimension"),
                required=question["required"],
                points=points,
                point_labels=point_labels,
                options=options,
                items=items,
            )
        )
    return data.Questionnaire(
        code=definition["code"],
        version=programme.questionnaire.version,
        title=definition["title"],
        languages=tuple(definition["languages"]),
        questions=tuple(questions),
        dimensions=definition.get("dimensions", {}),
    )


def programme_facts(programme: Programme) -> data.Programme:
    return data.Programme(
        slug=programme.slug,
        title=programme.title,
        location=programme.location,
        country=programme.country,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        expected_participants=programme.expected_participants,
        languages=tuple(programme.languages),
    )


def tallies(session: Session, programme: Programme) -> tuple[data.Tally, ...]:
    """Counts per question, item and value, computed by the database."""
    numeric = (
        select(Question.code, Answer.item, Answer.number, func.count())
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.programme_id == programme.id, Answer.number.is_not(None))
        .group_by(Question.code, Answer.item, Answer.number)
    )
    choices = (
        select(Question.code, Answer.item, Answer.text, func.count())
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.programme_id == programme.id,
            Question.kind == "single_choice",
            Answer.text.is_not(None),
        )
        .group_by(Question.code, Answer.item, Answer.text)
    )
    out = [
        data.Tally(code, item, int(number or 0), int(count)) for code, item, number, count in session.execute(numeric)
    ]
    out += [data.Tally(code, item, str(text), int(count)) for code, item, text, count in session.execute(choices)]
    return tuple(out)


def numeric_rows(session: Session, programme: Programme) -> tuple[dict[str, float], ...]:
    """Per response, its numeric answers keyed ``code`` or ``code:item`` (for alpha and paired tests)."""
    rows: dict[Any, dict[str, float]] = defaultdict(dict)
    query = (
        select(Answer.response_id, Question.code, Question.kind, Answer.item, Answer.number)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.programme_id == programme.id, Answer.number.is_not(None), Question.kind != "multiple_choice")
    )
    for response_id, code, _kind, item, number in session.execute(query):
        rows[response_id][f"{code}:{item}" if item else code] = float(number or 0)
    return tuple(rows.values())


def comments(session: Session, programme: Programme) -> tuple[data.Comment, ...]:
    query = (
        select(Question.code, Response.language, Answer.text, Response.submitted_at)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.programme_id == programme.id, Question.kind.in_(("short_text", "long_text")))
        .order_by(Response.submitted_at.desc())
    )
    return tuple(
        data.Comment(code, language, text or "", submitted_at)
        for code, language, text, submitted_at in session.execute(query)
    )


def submission_times(session: Session, programme: Programme) -> tuple[Any, ...]:
    return tuple(
        session.scalars(
            select(Response.submitted_at).where(Response.programme_id == programme.id).order_by(Response.submitted_at)
        )
    )


def programme_data(session: Session, programme: Programme, *, with_rows: bool = False) -> data.ProgrammeData:
    """Everything ``reports`` needs about one programme; rows only when asked."""
    return data.ProgrammeData(
        programme=programme_facts(programme),
        questionnaire=questionnaire_spec(programme),
        n_responses=response_count(session, programme),
        tallies=tallies(session, programme),
        rows=numeric_rows(session, programme) if with_rows else (),
        comments=comments(session, programme),
        submitted_at=submission_times(session, programme),
    )
