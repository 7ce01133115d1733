"""A training programme, its sessions, and its evaluation lifecycle."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from survey.models.questionnaires import Questionnaire


class ProgrammeStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class TransitionError(Exception):
    """A lifecycle change that the programme's current status does not allow."""


#: Which statuses each status may move to.
_TRANSITIONS: dict[ProgrammeStatus, frozenset[ProgrammeStatus]] = {
    ProgrammeStatus.DRAFT: frozenset({ProgrammeStatus.OPEN}),
    ProgrammeStatus.OPEN: frozenset({ProgrammeStatus.CLOSED}),
    ProgrammeStatus.CLOSED: frozenset({ProgrammeStatus.OPEN}),
}


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
        CheckConstraint("expected_participants IS NULL OR expected_participants > 0", name="expected_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The short name in links: /s/<slug>. Lowercase letters, digits and hyphens.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(200), default="")
    #: ISO 3166 alpha-2 country code, e.g. "NE" for Niger.
    country: Mapped[str] = mapped_column(String(2), default="")
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    #: IANA time zone; stored times are UTC and shown in this zone.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    expected_participants: Mapped[int | None] = mapped_column(Integer)
    #: Languages the form is offered in, the first being the default.
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["fr", "en", "ar"])
    status: Mapped[str] = mapped_column(String(16), default=ProgrammeStatus.DRAFT.value)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questionnaire: Mapped[Questionnaire] = relationship()
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="programme",
        order_by="(ProgrammeSession.day, ProgrammeSession.position)",
        cascade="all, delete-orphan",
    )

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else "fr"

    @property
    def lifecycle(self) -> ProgrammeStatus:
        return ProgrammeStatus(self.status)

    def move_to(self, status: ProgrammeStatus) -> None:
        """Change status, refusing moves the lifecycle does not allow."""
        if status not in _TRANSITIONS[self.lifecycle]:
            raise TransitionError(f"cannot move programme {self.slug!r} from {self.status} to {status.value}")
        self.status = status.value

    def __repr__(self) -> str:
        return f"<Programme {self.slug} {self.status}>"

    def facts(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "location": self.location,
            "country": self.country,
            "starts_on": self.starts_on,
            "ends_on": self.ends_on,
            "expected_participants": self.expected_participants,
        }


class ProgrammeSession(Base):
    """A session or workshop of a programme; matrix questions ask about each."""

    __tablename__ = "programme_sessions"
    __table_args__ = (CheckConstraint("day >= 1", name="day_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    #: Day of the programme, 1 for the first day.
    day: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    trainer: Mapped[str] = mapped_column(String(200), default="")
    #: "session" (a lecture) or "workshop" (interactive).
    kind: Mapped[str] = mapped_column(String(16), default="session")

    programme: Mapped[Programme] = relationship(back_populates="sessions")
