"""What classroom mode (``survey serve --lan``) asks of the database before it
lets the room's network in: who could be signed in as with a known password,
and which forms the room can open."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Programme, ProgrammeStatus, User


def accounts_with_password(session: Session, password: str) -> list[str]:
    """Emails of the active accounts that sign in with ``password``, by email.

    Each check costs one password hash (tens of milliseconds): meant for a
    command run once before serving, never for a request.
    """
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.email))
    return [user.email for user in users if user.check_password(password)]


def active_accounts(session: Session) -> int:
    """How many accounts can sign in (disabled ones cannot)."""
    return int(session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0)


def open_programmes(session: Session) -> list[str]:
    """Short names of the programmes whose status is open, in order."""
    return list(
        session.scalars(
            select(Programme.slug).where(Programme.status == ProgrammeStatus.OPEN.value).order_by(Programme.slug)
        )
    )
