"""Accounts: create them, check their passwords, manage roles and programme grants.

Nothing here locks an account after failed sign-ins: a lock that any stranger
can set locks the owner out. Guessing is slowed down per client and account by
the rate limits of the web layer (survey.web.limits); the columns of the old
account lock were dropped (migration 0011).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from reports.caches import memoised
from survey.caches import DUMMY_PASSWORD_HASH
from survey.models import Programme, ProgrammeGrant, Role, User
from survey.services import DomainError, NotFound
from survey.services.access import grant
from survey.storage.engines import write_intent

MIN_PASSWORD_LENGTH = 8


@memoised(DUMMY_PASSWORD_HASH)
def _dummy_hash() -> str:
    """Checked when the email is unknown, so that an unknown email takes as long
    to refuse as a wrong password (no account discovery by timing)."""
    return generate_password_hash("not-a-password", method="scrypt")


class UserExists(DomainError):
    pass


class WeakPassword(DomainError):
    pass


class LastAdmin(DomainError):
    """The change would leave no active administrator to manage accounts."""


@dataclass(frozen=True)
class UserRow:
    """A line of the accounts list."""

    user: User
    #: Programmes granted to this user (admins see every programme without one).
    grants: int


@dataclass(frozen=True)
class UserDetail:
    user: User
    granted: list[Programme]
    #: Programmes that may still be granted.
    others: list[Programme]


@contextmanager
def _writing(session: Session) -> Iterator[None]:
    """A transaction of its own that will write (survey.storage.engines.write_intent:
    it cannot fail half-way because another worker wrote after it read); a
    refusal raised inside rolls it back."""
    session.rollback()
    with write_intent():
        try:
            yield
        except BaseException:
            session.rollback()
            raise


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def create_user(session: Session, email: str, password: str, role: Role = Role.ORGANISER, name: str = "") -> User:
    """Add a user (flushed, not committed); raises UserExists for a taken email,
    WeakPassword for a password shorter than 8 characters."""
    email = email.strip().lower()
    if find_user(session, email) is not None:
        raise UserExists(email)
    _check_password(password)
    user = User(email=email, name=name.strip(), role=role.value)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def create_account(session: Session, email: str, password: str, role: Role, name: str = "") -> User:
    """Create a user and commit (the admin page); raises as :func:`create_user`."""
    with _writing(session):
        user = create_user(session, email, password, role, name)
        session.commit()
        return user


def find_user(session: Session, email: str) -> User | None:
    """The account with this email (any case), if any."""
    if not email.isprintable():  # no account has one; and a database may refuse NUL outright
        return None
    return session.scalars(select(User).where(func.lower(User.email) == email.strip().lower())).first()


def get_user(session: Session, user_id: int) -> User:
    """The user with this id; NotFound if none."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(str(user_id))
    return user


def require_user(session: Session, email: str) -> User:
    """The user with this email; NotFound if none."""
    user = find_user(session, email)
    if user is None:
        raise NotFound(email)
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, else None (the same answer for every failure).

    Exactly one password hash is checked whether the email names an account or
    not, so an unknown email takes as long to refuse as a wrong password. Reads only.
    """
    user = find_user(session, email)
    right = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or not right or not user.active:
        return None
    return user


def list_users(session: Session) -> list[UserRow]:
    """Every account with its number of programme grants, by email."""
    grants = func.count(ProgrammeGrant.programme_id)
    rows = session.execute(
        select(User, grants)
        .outerjoin(ProgrammeGrant, ProgrammeGrant.user_id == User.id)
        .group_by(User.id)
        .order_by(User.email)
    ).all()
    return [UserRow(user=user, grants=count) for user, count in rows]


def user_detail(session: Session, user_id: int) -> UserDetail:
    """A user with the programmes granted and those that could be; NotFound if no such user."""
    user = get_user(session, user_id)
    granted_ids = select(ProgrammeGrant.programme_id).where(ProgrammeGrant.user_id == user.id)
    order = (Programme.created_at.desc(), Programme.id.desc())
    granted = list(session.scalars(select(Programme).where(Programme.id.in_(granted_ids)).order_by(*order)))
    others = list(session.scalars(select(Programme).where(Programme.id.not_in(granted_ids)).order_by(*order)))
    return UserDetail(user=user, granted=granted, others=others)


def _other_active_admins(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active, User.id != user.id)
        )
        or 0
    )


def set_role(session: Session, user: User, role: Role) -> None:
    """Change a user's role and commit; LastAdmin if that leaves no active admin."""
    with _writing(session):
        if user.role == Role.ADMIN.value and role is not Role.ADMIN and _other_active_admins(session, user) == 0:
            raise LastAdmin(user.email)
        if user.role != role.value:
            user.role = role.value
            user.session_version += 1  # the new role starts with a new sign-in
        session.commit()


def set_active(session: Session, user: User, active: bool) -> None:
    """Disable (no sign-in, signed out at the next request) or enable an account, and commit.

    LastAdmin if disabling the last active admin.
    """
    with _writing(session):
        if not active and user.role == Role.ADMIN.value and _other_active_admins(session, user) == 0:
            raise LastAdmin(user.email)
        user.active = active
        if not active:
            user.session_version += 1
        session.commit()


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password (WeakPassword if too short), end the user's
    sessions, and commit."""
    _check_password(password)
    with _writing(session):
        user.set_password(password)
        user.session_version += 1  # whoever knew the old one is signed out
        session.commit()


def end_sessions(session: Session, user: User) -> None:
    """End every session of ``user``, on every device and worker, and commit."""
    with _writing(session):
        user.session_version += 1
        session.commit()


def find_programme_by_id(session: Session, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(str(programme_id))
    return programme


def grant_programme(session: Session, user: User, programme: Programme) -> None:
    """Let ``user`` see (evaluator) or manage (organiser) ``programme``, and commit. Idempotent."""
    with _writing(session):
        grant(session, user, programme)
        session.commit()


def revoke_programme(session: Session, user: User, programme: Programme) -> None:
    """Take back a grant, and commit. Idempotent."""
    with _writing(session):
        existing = session.get(ProgrammeGrant, (user.id, programme.id))
        if existing is not None:
            session.delete(existing)
        session.commit()
