"""Accounts: create them, check their passwords, manage roles and programme grants.

Sign-in failures are counted in the database (``User.failed_logins``), not in
process memory, so the lock holds across every gunicorn worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from reports.caches import memoised
from survey.caches import DUMMY_PASSWORD_HASH
from survey.models import Programme, ProgrammeGrant, Role, User
from survey.services import DomainError, NotFound
from survey.services.access import grant
from survey.storage.engines import write_intent

#: Failed sign-ins in a row that lock an account.
MAX_FAILED_LOGINS = 5
#: How long a locked account refuses every sign-in, the right password included.
LOCK_DURATION = timedelta(minutes=15)
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


class AccountLocked(DomainError):
    """Too many failed sign-ins in a row; refused until ``until`` (UTC)."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__(f"locked until {until.isoformat()}")


class LastAdmin(DomainError):
    """The change would leave no active administrator to manage accounts."""


@dataclass(frozen=True)
class UserRow:
    """A line of the accounts list."""

    user: User
    #: Programmes granted to this user (admins see every programme without one).
    grants: int
    locked: bool


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


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User | None:
    """The active user with these credentials, else None (same answer for every failure).

    Raises AccountLocked while the account is locked, whatever the password:
    after MAX_FAILED_LOGINS wrong passwords in a row, for LOCK_DURATION. A
    success resets the count. Commits the count, so the caller must not rely
    on anything it had loaded before.
    """
    now = now or datetime.now(UTC)
    with _writing(session):  # every attempt may count
        user = find_user(session, email)
        if user is None:
            check_password_hash(_dummy_hash(), password)
            session.rollback()
            return None
        if user.locked_until is not None and user.locked_until > now:
            raise AccountLocked(user.locked_until)  # rolled back by _writing
        if not user.check_password(password):
            _count_failure(session, user, now)
            session.commit()
            locked_until = user.locked_until
            if locked_until is not None and locked_until > now:
                raise AccountLocked(locked_until)
            return None
        if not user.active:
            session.rollback()
            return None
        if user.failed_logins or user.locked_until is not None:
            user.failed_logins = 0
            user.locked_until = None
        session.commit()
        return user


def _count_failure(session: Session, user: User, now: datetime) -> None:
    """One more failure, counted by the database itself so that two workers
    failing at the same moment both count; the fifth locks and restarts the count."""
    reached = User.failed_logins + 1 >= MAX_FAILED_LOGINS
    session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_logins=case((reached, 0), else_=User.failed_logins + 1),
            locked_until=case((reached, now + LOCK_DURATION), else_=User.locked_until),
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)


def list_users(session: Session, now: datetime | None = None) -> list[UserRow]:
    """Every account with its number of programme grants, by email."""
    now = now or datetime.now(UTC)
    grants = func.count(ProgrammeGrant.programme_id)
    rows = session.execute(
        select(User, grants)
        .outerjoin(ProgrammeGrant, ProgrammeGrant.user_id == User.id)
        .group_by(User.id)
        .order_by(User.email)
    ).all()
    return [
        UserRow(user=user, grants=count, locked=user.locked_until is not None and user.locked_until > now)
        for user, count in rows
    ]


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

    Enabling also lifts a sign-in lock. LastAdmin if disabling the last active admin.
    """
    with _writing(session):
        if not active and user.role == Role.ADMIN.value and _other_active_admins(session, user) == 0:
            raise LastAdmin(user.email)
        user.active = active
        if not active:
            user.session_version += 1
        if active:
            user.failed_logins = 0
            user.locked_until = None
        session.commit()


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password (WeakPassword if too short), lift any lock,
    end the user's sessions, and commit."""
    _check_password(password)
    with _writing(session):
        user.set_password(password)
        user.session_version += 1  # whoever knew the old one is signed out
        user.failed_logins = 0
        user.locked_until = None
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
