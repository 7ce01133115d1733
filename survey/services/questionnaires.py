"""Import, version and export questionnaire definitions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Question, Questionnaire, Response
from survey.questionnaire.definition import Definition, dump_definition, iter_questions


def import_questionnaire(session: Session, definition: Definition) -> tuple[Questionnaire, bool]:
    """Store ``definition`` as the next version of its code, unless unchanged.

    Returns the questionnaire and whether a new version was made. A version is
    never edited in place, whether or not it already has responses: answers
    always point at exactly the questions their trainee saw.
    """
    latest = latest_version(session, definition["code"])
    if latest is not None and latest.definition == definition:
        return latest, False
    version = 1 if latest is None else latest.version + 1
    questionnaire = Questionnaire(
        code=definition["code"], version=version, title=definition["title"], definition=definition
    )
    for position, (page, _section, question) in enumerate(iter_questions(definition)):
        questionnaire.questions.append(
            Question(
                code=question["code"],
                kind=question["kind"],
                dimension=question.get("dimension"),
                required=question["required"],
                position=position,
                page=page,
            )
        )
    session.add(questionnaire)
    session.flush()
    return questionnaire, True


def latest_version(session: Session, code: str) -> Questionnaire | None:
    return session.scalars(
        select(Questionnaire).where(Questionnaire.code == code).order_by(Questionnaire.version.desc()).limit(1)
    ).first()


def export_questionnaire(questionnaire: Questionnaire) -> str:
    """The YAML text of a version, which imports back to the same definition."""
    return dump_definition(questionnaire.definition)


def response_count(session: Session, questionnaire: Questionnaire) -> int:
    return int(session.scalar(select(func.count()).where(Response.questionnaire_id == questionnaire.id)) or 0)


def questions_by_code(questionnaire: Questionnaire) -> dict[str, Any]:
    return {question.code: question for question in questionnaire.questions}
