"""Accounts: create them and check their passwords."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import Role, User
from survey.services import DomainError


class UserExists(DomainError):
    pass


def create_user(session: Session, email: str, password: str, role: Role = Role.ORGANISER, name: str = "") -> User:
    """Add a user (flushed, not committed); raises UserExists for a taken email."""
    email = email.strip().lower()
    if find_user(session, email) is not None:
        raise UserExists(email)
    if len(password) < 8:
        raise DomainError("a password needs at least 8 characters")
    user = User(email=email, name=name, role=role.value)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, else None (same answer for every failure)."""
    user = find_user(session, email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user
