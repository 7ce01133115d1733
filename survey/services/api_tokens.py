"""Personal API tokens: made and revoked by their owner, checked on every API call.

A token is ``svy_`` and 43 characters of a random 32-byte value. It is shown
once, when made: the database keeps only its HMAC-SHA256 under the
application's secret key (a fast keyed hash is enough for a random 256-bit
value, and lets every call be checked with one indexed lookup) and its first
characters, so that its owner can tell it apart from their other tokens.
Changing the secret key therefore ends every token.

A token is scoped to reading, to submitting or to both, and to programmes its
owner chose among those they were granted; it expires. Every call checks it
again (:func:`authenticate`, :func:`allowed_programme`): revoked, expired, an
owner disabled or demoted, or a grant withdrawn since the token was made each
refuse the call at once, on every worker, since the database is read each time.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import ApiToken, ApiTokenProgramme, Programme, Role, User
from survey.services import DomainError, NotFound
from survey.services.access import can_view, visible_programmes
from survey.services.audit import record
from survey.storage.engines import write_intent

#: What every token starts with, so that a leaked one is recognised (secret scanners, logs).
TOKEN_PREFIX = "svy_"  # noqa: S105 (a label, not a secret)
#: Characters of the token shown to its owner (the prefix included); never enough to use it.
SHOWN = 12
#: Longest token name.
MAX_NAME = 100
#: The lifetimes offered, in days; the longest is a year.
LIFETIMES = (7, 30, 90, 365)
#: Roles that may hold a token; the scopes each role may be given.
SCOPES_OF_ROLE: dict[str, frozenset[str]] = {
    Role.ADMIN.value: frozenset({"read", "submit"}),
    Role.ORGANISER.value: frozenset({"read", "submit"}),
    Role.EVALUATOR.value: frozenset({"read"}),
}


class Scope(enum.StrEnum):
    READ = "read"
    SUBMIT = "submit"


class TokenRefused(DomainError):
    """The token cannot be used: unknown, malformed, revoked, expired, or its owner disabled.

    One error for all of them: the caller learns no more than "not a valid token".
    """


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    #: The token itself: shown once to its owner, stored nowhere.
    secret: str


def digest_of(secret: str, key: str) -> str:
    """The stored form of a token: HMAC-SHA256 under ``key`` (the app's secret key), hex."""
    return hmac.new(key.encode(), secret.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def tokens_of(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, usable ones first, newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def create_token(
    session: Session,
    user: User,
    *,
    name: str,
    scopes: Collection[str],
    programme_ids: Collection[int],
    days: int,
    key: str,
) -> NewToken:
    """Make a token for ``user`` and commit, then log it in the audit log.

    Raises DomainError for an empty or too long name, no scope, a scope the
    role may not have, no programme, a programme the user is not granted, or a
    lifetime not in :data:`LIFETIMES`.
    """
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME:
        raise DomainError(f"a token name has 1 to {MAX_NAME} characters")
    wanted = set(scopes)
    if not wanted or not wanted <= SCOPES_OF_ROLE.get(user.role, frozenset()):
        raise DomainError("choose what the token may do among what your role may")
    if days not in LIFETIMES:
        raise DomainError("choose one of the lifetimes offered")
    granted = {p.id: p for p in visible_programmes(session, user)}
    chosen = set(programme_ids)
    if not chosen or not chosen <= granted.keys():
        raise DomainError("choose programmes you have access to")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:SHOWN],
        digest=digest_of(secret, key),
        can_read=Scope.READ in wanted,
        can_submit=Scope.SUBMIT in wanted,
        created_at=now,
        expires_at=now + timedelta(days=days),
        programmes=[ApiTokenProgramme(programme_id=i) for i in sorted(chosen)],
    )
    session.rollback()
    with write_intent():
        session.add(token)
        session.commit()
    # The audit entry is a second commit: audit.record ends the caller's transaction.
    detail = f"token {token.prefix} {'+'.join(token.scopes)} {days}d"
    record(session, user, "api_token", [granted[i] for i in sorted(chosen)], detail)
    return NewToken(token, secret)


def revoke_token(session: Session, user: User, token_id: int) -> None:
    """End one of the user's tokens at once and commit (audit-logged); NotFound for another's."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(str(token_id))
    if token.revoked_at is not None:
        return
    programmes = list(session.scalars(select(Programme).where(Programme.id.in_(token.programme_ids))))
    session.rollback()
    with write_intent():
        token = session.get(ApiToken, token_id)
        assert token is not None
        token.revoked_at = datetime.now(UTC)
        prefix = token.prefix
        session.commit()
    record(session, user, "api_token_revoke", programmes or None, f"token {prefix}")


@dataclass(frozen=True)
class Caller:
    """Who calls the API: the token's owner and what the token allows."""

    user: User
    token: ApiToken

    def may(self, scope: Scope) -> bool:
        return scope in self.token.scopes and scope in SCOPES_OF_ROLE.get(self.user.role, frozenset())


def authenticate(session: Session, secret: str, key: str, now: datetime | None = None) -> Caller:
    """The caller a bearer token names; TokenRefused unless it is a usable token of an active user."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        raise TokenRefused()
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest_of(secret, key)))
    if token is None or not token.usable(now or datetime.now(UTC)):
        raise TokenRefused()
    user = session.get(User, token.user_id)
    if user is None or not user.active or user.role not in SCOPES_OF_ROLE:
        raise TokenRefused()
    return Caller(user, token)


def allowed_programme(session: Session, caller: Caller, programme: Programme) -> bool:
    """Whether the token names ``programme`` and its owner is still granted it."""
    return programme.id in caller.token.programme_ids and can_view(session, caller.user, programme)


def reachable_programme(session: Session, caller: Caller, slug: str) -> Programme:
    """The programme ``slug`` if the token may reach it now; NotFound otherwise, unknown or not,
    so that a token learns nothing of programmes it may not see."""
    found = session.scalar(select(Programme).where(Programme.slug == slug))
    if found is None or not allowed_programme(session, caller, found):
        raise NotFound(slug)
    return found


def programmes_of(session: Session, caller: Caller) -> list[Programme]:
    """The programmes the token may reach now: named by it and still granted, newest first."""
    named = caller.token.programme_ids
    return [p for p in visible_programmes(session, caller.user) if p.id in named]


def now() -> datetime:
    """The time tokens are judged by (UTC)."""
    return datetime.now(UTC)
