"""Personal API tokens: a user's key for the JSON API (survey.web.api).

The token itself is shown once, when it is made, and never stored: the
database keeps a keyed digest of it (HMAC-SHA256 under the application's
secret key), so a copy of the database lets nobody call the API, and the
first characters (``prefix``), so that its owner can tell their tokens apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, UTCDateTime, utcnow


class ApiTokenProgramme(Base):
    """One programme a token may reach (among those its owner is granted)."""

    __tablename__ = "api_token_programmes"

    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True)


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("can_read OR can_submit", name="some_scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The owner's own name for it ("Power BI", "kiosk app").
    name: Mapped[str] = mapped_column(String(100))
    #: The token's first characters, shown to tell tokens apart; not secret.
    prefix: Mapped[str] = mapped_column(String(16))
    #: HMAC-SHA256 of the whole token (hex); the token itself is never stored.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    can_read: Mapped[bool] = mapped_column(Boolean, default=False)
    can_submit: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    programmes: Mapped[list[ApiTokenProgramme]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def programme_ids(self) -> frozenset[int]:
        return frozenset(p.programme_id for p in self.programmes)

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(name for name, granted in (("read", self.can_read), ("submit", self.can_submit)) if granted)

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
