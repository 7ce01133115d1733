"""Create programmes, move them through their lifecycle, find them for trainees."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from survey.models import Programme, ProgrammeSession, ProgrammeStatus, Questionnaire
from survey.questionnaire.kinds import FormContext
from survey.services import NotAccepting, NotFound


@dataclass(frozen=True)
class SessionSpec:
    day: int
    title: str
    trainer: str = ""
    kind: str = "session"


def create_programme(
    session: Session,
    *,
    slug: str,
    title: str,
    questionnaire: Questionnaire,
    location: str = "",
    country: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    timezone: str = "UTC",
    expected_participants: int | None = None,
    languages: Sequence[str] = ("fr", "en", "ar"),
    sessions: Iterable[SessionSpec] = (),
) -> Programme:
    """Add a draft programme with its sessions (flushed, not committed)."""
    programme = Programme(
        slug=slug,
        title=title,
        questionnaire=questionnaire,
        location=location,
        country=country,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        expected_participants=expected_participants,
        languages=list(languages),
        status=ProgrammeStatus.DRAFT.value,
    )
    programme.sessions = [
        ProgrammeSession(day=spec.day, position=position, title=spec.title, trainer=spec.trainer, kind=spec.kind)
        for position, spec in enumerate(sessions)
    ]
    session.add(programme)
    session.flush()
    return programme


def find_programme(session: Session, slug: str) -> Programme:
    """The programme with this slug, its questionnaire and sessions; NotFound if none."""
    programme = session.scalars(
        select(Programme)
        .where(Programme.slug == slug)
        .options(selectinload(Programme.sessions), selectinload(Programme.questionnaire))
    ).first()
    if programme is None:
        raise NotFound(slug)
    return programme


def find_for_trainee(session: Session, slug: str, now: datetime | None = None) -> Programme:
    """The programme if it takes answers now.

    Raises NotFound for unknown and draft programmes (drafts stay private), and
    NotAccepting with status "not_yet" before the opening time, "closed" once
    closed, archived or past the closing time.
    """
    programme = find_programme(session, slug)
    now = now or datetime.now(UTC)
    if programme.lifecycle is ProgrammeStatus.DRAFT:
        raise NotFound(slug)
    if programme.accepting(now):
        return programme
    if programme.lifecycle is ProgrammeStatus.OPEN and programme.opens_at is not None and now < programme.opens_at:
        raise NotAccepting("not_yet", programme)
    raise NotAccepting(ProgrammeStatus.CLOSED.value, programme)


def set_status(session: Session, programme: Programme, status: ProgrammeStatus) -> None:
    """Open, close or reopen; raises TransitionError for moves the lifecycle refuses."""
    programme.move_to(status)
    session.commit()


def form_context(programme: Programme, max_text_length: int = 2000) -> FormContext:
    """What the questionnaire's fields need to know about this programme."""
    return FormContext(
        sessions=tuple((s.id, s.title, s.kind) for s in programme.sessions),
        max_text_length=max_text_length,
        scales=programme.questionnaire.definition["scales"],
    )
