"""SQL aggregates of a programme's answers, handed to ``reports`` as plain data.

Every query here counts only responses that are not excluded
(:attr:`Response.excluded`): an organiser's exclusion (a test, a duplicate)
removes a response from every chart, statistic, comment list and export that
is built from these functions. :func:`response_counts` and the change
fingerprint are the only places that look at excluded responses, to say how
many there are.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from reports import data
from survey.models import Answer, Exclusion, Programme, Question, Questionnaire, Response
from survey.questionnaire.definition import iter_questions
from survey.questionnaire.kinds import KINDS, ScaleKind
from survey.services.programmes import form_context

#: Kinds whose answers are free text: the comments.
TEXT_KINDS = ("short_text", "long_text")


def counted() -> ColumnElement[bool]:
    """The condition every aggregate adds: the response is not excluded."""
    return Response.excluded.is_(False)


def response_count(session: Session, programme: Programme) -> int:
    """Responses that count (not excluded)."""
    return int(session.scalar(select(func.count()).where(Response.programme_id == programme.id, counted())) or 0)


def response_counts(session: Session, programme: Programme) -> tuple[int, int]:
    """(responses that count, excluded responses), in one query."""
    counts, excluded = session.execute(
        select(
            func.count(Response.id).filter(counted()),
            func.count(Response.id).filter(Response.excluded.is_(True)),
        ).where(Response.programme_id == programme.id)
    ).one()
    return int(counts or 0), int(excluded or 0)


class Change(NamedTuple):
    """A fingerprint of a programme's responses: it changes whenever a chart may.

    ``exclusions`` counts the exclusion log, which only grows, so excluding one
    response and including another back between two looks still shows.
    """

    responses: int
    latest: str
    excluded: int
    exclusions: int


def change_columns(programme_id: Any) -> tuple[ScalarSelect[Any], ...]:
    """The :class:`Change` columns as scalar subqueries on ``programme_id``
    (a column or a value), so a caller can fold them into a statement of its own."""
    of_programme = Response.programme_id == programme_id
    return (
        select(func.count(Response.id)).where(of_programme).scalar_subquery(),
        select(func.max(Response.submitted_at)).where(of_programme).scalar_subquery(),
        select(func.count(Response.id)).where(of_programme, Response.excluded.is_(True)).scalar_subquery(),
        select(func.count(Exclusion.id))
        .join(Response, Response.id == Exclusion.response_id)
        .where(of_programme)
        .scalar_subquery(),
    )


def change_from(values: tuple[Any, ...]) -> Change:
    """A :class:`Change` from the values of :func:`change_columns`, as read back."""
    responses, latest, excluded, exclusions = values
    stamp = latest.isoformat() if isinstance(latest, datetime) else str(latest or "")
    return Change(int(responses or 0), stamp, int(excluded or 0), int(exclusions or 0))


def last_change(session: Session, programme: Programme) -> Change:
    """The programme's :class:`Change`, in one cheap query."""
    return change_from(tuple(session.execute(select(*change_columns(programme.id))).one()))


def questionnaire_spec(programme: Programme, questionnaire: Questionnaire | None = None) -> data.Questionnaire:
    """The questionnaire as ``reports`` sees it, matrix rows being this programme's sessions.

    ``questionnaire`` is another version than the programme's current one, for
    a response that was given on an earlier version.
    """
    questionnaire = questionnaire or programme.questionnaire
    definition: Mapping[str, Any] = questionnaire.definition
    ctx = dataclasses.replace(form_context(programme), scales=definition["scales"])
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
        version=questionnaire.version,
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
        .where(Response.programme_id == programme.id, counted(), Answer.number.is_not(None))
        .group_by(Question.code, Answer.item, Answer.number)
    )
    choices = (
        select(Question.code, Answer.item, Answer.text, func.count())
        .join(Answer, Answer.question_id == Question.id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.programme_id == programme.id,
            counted(),
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
        select(Answer.response_id, Question.code, Answer.item, Answer.number)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.programme_id == programme.id,
            counted(),
            Answer.number.is_not(None),
            Question.kind != "multiple_choice",
        )
    )
    for response_id, code, item, number in session.execute(query):
        rows[response_id][f"{code}:{item}" if item else code] = float(number or 0)
    return tuple(rows.values())


def comments(
    session: Session,
    programme: Programme,
    *,
    question: str | None = None,
    language: str | None = None,
    limit: int | None = None,
) -> tuple[data.Comment, ...]:
    """Free-text answers, newest first; optionally of one question code, in one
    response language, and at most ``limit`` of them."""
    query = (
        select(Question.code, Response.language, Answer.text, Response.submitted_at)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.programme_id == programme.id, counted(), Question.kind.in_(TEXT_KINDS))
        .order_by(Response.submitted_at.desc(), Answer.id.desc())
    )
    if question:
        query = query.where(Question.code == question)
    if language:
        query = query.where(Response.language == language)
    if limit is not None:
        query = query.limit(limit)
    return tuple(
        data.Comment(code, language, text or "", submitted_at)
        for code, language, text, submitted_at in session.execute(query)
    )


def submission_times(session: Session, programme: Programme) -> tuple[Any, ...]:
    return tuple(
        session.scalars(
            select(Response.submitted_at)
            .where(Response.programme_id == programme.id, counted())
            .order_by(Response.submitted_at)
        )
    )


def programme_data(
    session: Session,
    programme: Programme,
    *,
    with_rows: bool = False,
    comment_limit: int | None = None,
) -> data.ProgrammeData:
    """Everything ``reports`` needs about one programme; rows only when asked,
    and only the ``comment_limit`` newest comments when given."""
    return data.ProgrammeData(
        programme=programme_facts(programme),
        questionnaire=questionnaire_spec(programme),
        n_responses=response_count(session, programme),
        tallies=tallies(session, programme),
        rows=numeric_rows(session, programme) if with_rows else (),
        comments=comments(session, programme, limit=comment_limit),
        submitted_at=submission_times(session, programme),
    )
