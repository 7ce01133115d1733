"""Who may see which programme. Checked on the server for every organiser route."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from survey.models import Programme, ProgrammeGrant, Role, User


def visible_programmes(session: Session, user: User) -> list[Programme]:
    query = select(Programme).order_by(Programme.created_at.desc(), Programme.id.desc())
    if user.role != Role.ADMIN:
        query = query.join(ProgrammeGrant, ProgrammeGrant.programme_id == Programme.id).where(
            ProgrammeGrant.user_id == user.id
        )
    return list(session.scalars(query))


def can_view(session: Session, user: User, programme: Programme) -> bool:
    if not user.active:
        return False
    if user.role == Role.ADMIN:
        return True
    return bool(
        session.scalar(
            select(exists().where(ProgrammeGrant.user_id == user.id, ProgrammeGrant.programme_id == programme.id))
        )
    )


def grant(session: Session, user: User, programme: Programme) -> None:
    if session.get(ProgrammeGrant, (user.id, programme.id)) is None:
        session.add(ProgrammeGrant(user_id=user.id, programme_id=programme.id))
        session.flush()
