"""A training programme, its sessions, and its evaluation lifecycle."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Table, Text, event, update
from sqlalchemy.orm import Mapped, Session, UOWTransaction, mapped_column, relationship

from reports.disclosure import DEFAULT_MINIMUM_GROUP
from reports.languages import CODES, DEFAULT_LANGUAGE
from survey.models.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from survey.models.questionnaires import Questionnaire


class ProgrammeStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    #: Kept for reports and comparisons, gone from the organiser's working list.
    ARCHIVED = "archived"


class AccessMode(enum.StrEnum):
    #: Anyone with the link may answer.
    LINK = "link"
    #: Each answer needs a single-use invitation code.
    CODES = "codes"


class TransitionError(Exception):
    """A lifecycle change that the programme's current status does not allow."""


#: Which statuses each status may move to.
_TRANSITIONS: dict[ProgrammeStatus, frozenset[ProgrammeStatus]] = {
    ProgrammeStatus.DRAFT: frozenset({ProgrammeStatus.OPEN, ProgrammeStatus.ARCHIVED}),
    ProgrammeStatus.OPEN: frozenset({ProgrammeStatus.CLOSED}),
    ProgrammeStatus.CLOSED: frozenset({ProgrammeStatus.OPEN, ProgrammeStatus.ARCHIVED}),
    ProgrammeStatus.ARCHIVED: frozenset({ProgrammeStatus.CLOSED}),
}


def accepts_at(status: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> bool:
    """The rule for whether a programme's form takes answers at ``now``: status
    open, and inside the window when one is set."""
    if status != ProgrammeStatus.OPEN.value:
        return False
    if opens_at is not None and now < opens_at:
        return False
    return closes_at is None or now < closes_at


def retention_end(
    retention_days: int | None, ends_on: date | None, starts_on: date | None, created_at: datetime | None
) -> date | None:
    """The rule for when a programme's answers are erased: ``retention_days``
    after its last day (or its first, or the day it was created)."""
    if retention_days is None:
        return None
    last = ends_on or starts_on or (created_at.date() if created_at else None)
    return None if last is None else last + timedelta(days=retention_days)


class Programme(Base):
    __tablename__ = "programmes"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'open', 'closed', 'archived')", name="status_known"),
        CheckConstraint("access_mode IN ('link', 'codes')", name="access_mode_known"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_ordered"),
        CheckConstraint("expected_participants IS NULL OR expected_participants > 0", name="expected_positive"),
        CheckConstraint("minimum_group_size >= 3", name="minimum_group_size_at_least_3"),
        CheckConstraint("retention_days IS NULL OR retention_days > 0", name="retention_positive"),
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
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(CODES))
    status: Mapped[str] = mapped_column(String(16), default=ProgrammeStatus.DRAFT.value)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: While the status is open, the form takes answers only from opens_at
    #: (inclusive) to closes_at (exclusive), so it opens and closes by itself.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How trainees get in: the open link, or single-use codes.
    access_mode: Mapped[str] = mapped_column(String(8), default=AccessMode.LINK.value, server_default="link")
    #: Programmes of one series (the same programme in several countries) are compared together.
    series: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: The smallest group whose answers may be shown (reports.disclosure): a programme
    #: or a breakdown's group with fewer responses shows its count and nothing else.
    minimum_group_size: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_MINIMUM_GROUP, server_default=str(DEFAULT_MINIMUM_GROUP)
    )
    #: Goes up with every change to the programme or its sessions (see
    #: _count_revisions), so a worker's copy for trainee pages knows when it is stale.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: Days the responses and codes are kept after the programme's end (ends_on,
    #: else starts_on, else its creation); then `survey retention` erases them. None: kept.
    retention_days: Mapped[int | None] = mapped_column(Integer)
    #: The privacy notice shown on the form's first page, one text per language
    #: ({"fr": "...", "ar": "..."}): who is responsible, why, whom to ask.
    privacy_notice: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")

    questionnaire: Mapped[Questionnaire] = relationship()
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="programme",
        order_by="(ProgrammeSession.day, ProgrammeSession.position)",
        cascade="all, delete-orphan",
    )

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else DEFAULT_LANGUAGE

    def privacy_for(self, lang: str) -> str:
        """The privacy notice in ``lang``, else in the default language; "" when none was written."""
        notice = self.privacy_notice or {}
        return notice.get(lang) or notice.get(self.default_language, "")

    @property
    def retention_ends_on(self) -> date | None:
        """The day the responses and codes are erased; None when kept without limit."""
        return retention_end(self.retention_days, self.ends_on, self.starts_on, self.created_at)

    @property
    def lifecycle(self) -> ProgrammeStatus:
        return ProgrammeStatus(self.status)

    def move_to(self, status: ProgrammeStatus) -> None:
        """Change status, refusing moves the lifecycle does not allow."""
        if status not in _TRANSITIONS[self.lifecycle]:
            raise TransitionError(f"cannot move programme {self.slug!r} from {self.status} to {status.value}")
        self.status = status.value

    def accepting(self, now: datetime) -> bool:
        """Whether the form takes answers at ``now`` (status open and inside the window)."""
        return accepts_at(self.status, self.opens_at, self.closes_at, now)

    @property
    def questionnaire_key(self) -> tuple[int, str, int, datetime]:
        return self.questionnaire.key

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


class KioskDevice(Base):
    """One shared tablet or laptop allowed to take a programme's responses.

    Its link carries ``token``; revoking the device (or closing the programme)
    ends the link at once. Creating or revoking one counts as a change of the
    programme (see _count_revisions), so a response checked against the
    programme before the revocation is refused by the storage door.
    """

    __tablename__ = "kiosk_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    #: What the organiser calls it: "Tablet at the back".
    name: Mapped[str] = mapped_column(String(100))
    #: Random, in the device's link; unique across programmes.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


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


#: Set in a session's info by a flush that changed a programme or its sessions
#: (survey.services.published checks its copies again after the commit).
PROGRAMMES_CHANGED = "survey.programmes_changed"


@event.listens_for(Session, "after_flush")
def _count_revisions(session: Session, _flush: UOWTransaction) -> None:
    """Raise the revision of every programme whose row, sessions or kiosk devices this flush changed.

    In SQL (revision + 1), so two organisers saving at once both count. Any
    ORM change is seen here; there is no bulk UPDATE of these tables anywhere.
    """
    changed: set[int] = set()
    for obj in session.dirty:
        if isinstance(obj, Programme | ProgrammeSession | KioskDevice) and session.is_modified(obj):
            changed.add(obj.id if isinstance(obj, Programme) else obj.programme_id)
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, ProgrammeSession | KioskDevice):
            changed.add(obj.programme_id)
        elif isinstance(obj, Programme):
            session.info[PROGRAMMES_CHANGED] = True
    if changed:
        session.info[PROGRAMMES_CHANGED] = True
        table = cast(Table, Programme.__table__)
        session.connection().execute(
            update(table).where(table.c.id.in_(sorted(changed))).values(revision=table.c.revision + 1)
        )
