"""Erasing a programme's responses and codes: by an administrator, or when its
retention period has passed.

One function erases, :func:`erase_programme_data`; the retention sweep
(:func:`erase_expired`, the ``survey retention`` command) calls it too. The
programme itself, its questionnaire and its settings stay; its responses,
their answers and exclusions, and its invitation codes go. The audit log
keeps that it happened, who did it and when, not what was erased.

Erasing writes, but it is no response: it does not go through the storage
door. Where the database takes one writer at a time it queues behind the
response writers as any organiser's write does
(survey.storage.engines.write_intent), in one transaction: a
response stored meanwhile is erased with the rest or arrives after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from survey.models import AccessCode, Answer, AuditEvent, Exclusion, Programme, Response, User
from survey.services import audit
from survey.storage.engines import write_intent


@dataclass(frozen=True)
class HeldData:
    """What a programme holds that an erasure would remove."""

    programme: Programme
    responses: int
    codes: int

    @property
    def empty(self) -> bool:
        return self.responses == 0 and self.codes == 0


def held_data(session: Session, only: Programme | None = None) -> list[HeldData]:
    """Every programme (or ``only`` that one) with its numbers of responses and
    codes (counted in SQL), newest first."""
    responses = (
        select(func.count()).select_from(Response).where(Response.programme_id == Programme.id).scalar_subquery()
    )
    codes = (
        select(func.count()).select_from(AccessCode).where(AccessCode.programme_id == Programme.id).scalar_subquery()
    )
    query = select(Programme, responses, codes).order_by(Programme.created_at.desc(), Programme.id.desc())
    if only is not None:
        query = query.where(Programme.id == only.id)
    rows = session.execute(query)
    return [HeldData(programme, int(r), int(c)) for programme, r, c in rows]


def erase_programme_data(session: Session, programme: Programme, actor: User | str) -> None:
    """Delete the programme's responses (answers, exclusions) and codes, log it, and commit.

    ``actor``: the administrator, or audit.RETENTION for the retention sweep.
    """
    programme_id, slug = programme.id, programme.slug
    session.rollback()
    with write_intent():
        of_programme = select(Response.id).where(Response.programme_id == programme_id)
        session.execute(delete(Answer).where(Answer.response_id.in_(of_programme)))
        session.execute(delete(Exclusion).where(Exclusion.response_id.in_(of_programme)))
        session.execute(delete(Response).where(Response.programme_id == programme_id))
        session.execute(delete(AccessCode).where(AccessCode.programme_id == programme_id))
        user_id, name = (actor.id, actor.email) if isinstance(actor, User) else (None, actor)
        action = "retention_erase" if actor == audit.RETENTION else "erase"
        session.add(
            AuditEvent(
                user_id=user_id,
                actor=name,
                action=action,
                programme_id=programme_id,
                programme=slug,
                detail="responses and codes",
            )
        )
        session.commit()
    audit.log.info("%s %s programme=%s", name, action, slug)


def expired_programmes(session: Session, today: date) -> list[Programme]:
    """Programmes whose retention period has passed and that still hold responses or codes."""
    holds = exists().where(Response.programme_id == Programme.id) | exists().where(
        AccessCode.programme_id == Programme.id
    )
    candidates = session.scalars(select(Programme).where(Programme.retention_days.is_not(None), holds))
    return [p for p in candidates if (end := p.retention_ends_on) is not None and end <= today]


def erase_expired(session: Session, today: date | None = None) -> list[str]:
    """Erase every programme whose retention period has passed; the slugs erased.

    Each programme is erased in its own transaction and logged as the
    retention sweep's doing. Running it again erases nothing more.
    """
    today = today or datetime.now(UTC).date()
    erased = []
    for programme in expired_programmes(session, today):
        slug = programme.slug
        erase_programme_data(session, programme, audit.RETENTION)
        erased.append(slug)
    return erased
