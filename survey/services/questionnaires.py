"""Import, version and export questionnaire definitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Programme, ProgrammeGrant, Question, Questionnaire, Response, Role, User
from survey.questionnaire.definition import Definition, dump_definition, iter_questions, parse_definition
from survey.services import NotFound


def import_questionnaire(session: Session, definition: Definition) -> tuple[Questionnaire, bool]:
    """Store ``definition`` as the next version of its code, unless unchanged.

    Returns the questionnaire and whether a new version was made. A version is
    never edited in place, whether or not it already has responses: answers
    always point at exactly the questions their trainee saw.
    """
    latest = latest_version(session, definition["code"])
    if latest is not None and latest.definition == definition:
        return latest, False
    return store_version(session, definition, 1 if latest is None else latest.version + 1), True


def store_version(session: Session, definition: Definition | dict[str, Any], version: int) -> Questionnaire:
    """Add ``definition`` as version ``version`` of its code, with its question rows (flushed).

    The caller has checked that the version is free: a new one, or one brought
    from another service with its number (survey.services.bundles).
    """
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
    return questionnaire


def latest_version(session: Session, code: str) -> Questionnaire | None:
    return session.scalars(
        select(Questionnaire).where(Questionnaire.code == code).order_by(Questionnaire.version.desc()).limit(1)
    ).first()


def export_questionnaire(questionnaire: Questionnaire) -> str:
    """The YAML text of a version, which imports back to the same definition."""
    return dump_definition(questionnaire.definition)


def response_count(session: Session, questionnaire: Questionnaire) -> int:
    return int(session.scalar(select(func.count()).where(Response.questionnaire_id == questionnaire.id)) or 0)


@dataclass(frozen=True)
class LibraryEntry:
    """One questionnaire version as the library page lists it."""

    id: int
    code: str
    version: int
    title: dict[str, str]
    languages: tuple[str, ...]
    created_at: datetime
    #: Programmes that use this version.
    programmes: int
    responses: int
    #: The highest version of its code.
    latest: bool

    @property
    def locked(self) -> bool:
        """Answers point at its questions, so it can never change (a new version can)."""
        return self.responses > 0


def library(session: Session, viewer: User) -> list[LibraryEntry]:
    """Every stored version, newest first within each code, with its use counted in SQL.

    Only the programmes ``viewer`` may see are counted (admins: every one), and
    their responses: a version is shared by every organiser, the use others
    make of it is theirs.
    """
    visible = select(Programme.id)
    if viewer.role != Role.ADMIN:
        visible = visible.join(ProgrammeGrant, ProgrammeGrant.programme_id == Programme.id).where(
            ProgrammeGrant.user_id == viewer.id
        )
    programme_counts = (
        select(Programme.questionnaire_id, func.count().label("n"))
        .where(Programme.id.in_(visible))
        .group_by(Programme.questionnaire_id)
        .subquery()
    )
    response_counts = (
        select(Response.questionnaire_id, func.count().label("n"))
        .where(Response.programme_id.in_(visible))
        .group_by(Response.questionnaire_id)
        .subquery()
    )
    latest = (
        select(Questionnaire.code, func.max(Questionnaire.version).label("version"))
        .group_by(Questionnaire.code)
        .subquery()
    )
    query = (
        select(
            Questionnaire,
            func.coalesce(programme_counts.c.n, 0),
            func.coalesce(response_counts.c.n, 0),
            latest.c.version,
        )
        .outerjoin(programme_counts, programme_counts.c.questionnaire_id == Questionnaire.id)
        .outerjoin(response_counts, response_counts.c.questionnaire_id == Questionnaire.id)
        .join(latest, latest.c.code == Questionnaire.code)
        .order_by(Questionnaire.code, Questionnaire.version.desc())
    )
    return [
        LibraryEntry(
            id=q.id,
            code=q.code,
            version=q.version,
            title=dict(q.title),
            languages=tuple(q.definition.get("languages", ())),
            created_at=q.created_at,
            programmes=int(n_programmes),
            responses=int(n_responses),
            latest=q.version == latest_number,
        )
        for q, n_programmes, n_responses, latest_number in session.execute(query)
    ]


def find_version(session: Session, code: str, version: int) -> Questionnaire:
    """One stored version; NotFound if there is none."""
    questionnaire = session.scalars(
        select(Questionnaire).where(Questionnaire.code == code, Questionnaire.version == version)
    ).first()
    if questionnaire is None:
        raise NotFound(f"{code} v{version}")
    return questionnaire


def import_text(session: Session, text: str, source: str) -> tuple[Questionnaire, bool]:
    """Validate YAML text (an upload) and store it as :func:`import_questionnaire` does; commits.

    Raises DefinitionError naming ``source`` and listing every problem, as the
    ``survey questionnaire import`` command reports them.
    """
    questionnaire, created = import_questionnaire(session, parse_definition(text, source=source))
    session.commit()
    return questionnaire, created
