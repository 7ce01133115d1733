"""A programme as its trainees see it, kept by each worker until it changes.

Every trainee request needs the programme, its sessions and its questionnaire.
Loading them through the ORM on each request was a large share of a
trainee's server time, so each worker keeps a read-only copy per slug and
checks it with one small statement: the row's id, creation time and revision
(which goes up with every change to the programme or its sessions, see
survey.models.programmes).

That check was itself a fifth of a trainee's time in the application, so a
page may be shown from a copy checked less than a second ago (the caller
says how long, SURVEY_PUBLISHED_PROGRAMME_SECONDS); a change committed in this
worker is seen at once. What a page shows is only ever a preview: a response
is stored after its transaction has checked that the copy the answers were
checked against is still the programme's current version (survey.storage).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from reports.disclosure import DEFAULT_MINIMUM_GROUP
from reports.languages import DEFAULT_LANGUAGE
from survey.caches import PROGRAMME_CHECKED, PROGRAMME_COPIES, QUESTIONNAIRE_DEFINITIONS
from survey.models import Programme, ProgrammeSession, ProgrammeStatus, Questionnaire
from survey.models.programmes import PROGRAMMES_CHANGED, accepts_at, retention_end
from survey.questionnaire.kinds import FormContext
from survey.services import DomainError, NotAccepting, NotFound

#: (id, revision, created_at): equal versions, equal programmes. The creation
#: time tells apart a programme deleted and created again under the same id.
ProgrammeVersion = tuple[int, int, datetime]


class ProgrammeChanged(DomainError):
    """The programme changed after this worker's copy was last checked: the
    request must be handled again with the current programme."""


@dataclass(frozen=True)
class PublishedProgramme:
    """What the trainee's pages and the response writer need of a programme."""

    version: ProgrammeVersion
    slug: str
    title: str
    location: str
    languages: tuple[str, ...]
    status: str
    opens_at: datetime | None
    closes_at: datetime | None
    access_mode: str
    questionnaire_id: int
    #: Names one stored questionnaire version for good (its id alone could come back after a delete).
    questionnaire_key: tuple[int, str, int, datetime]
    definition: dict[str, Any]
    #: (session id, title, "session" or "workshop"), in programme order.
    sessions: tuple[tuple[int, str, str], ...]
    #: k: the fewest responses anything tied to single responses is shown for.
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP
    #: (language, text) of the privacy notice; see Programme.privacy_notice.
    privacy_notice: tuple[tuple[str, str], ...] = ()
    #: The day the answers are erased (Programme.retention_ends_on); None: kept until erased.
    retention_ends_on: date | None = None
    #: IANA time zone of the programme's times (its opening time, as a trainee is told it).
    timezone: str = "UTC"

    @property
    def id(self) -> int:
        return self.version[0]

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else DEFAULT_LANGUAGE

    @property
    def lifecycle(self) -> ProgrammeStatus:
        return ProgrammeStatus(self.status)

    def accepting(self, now: datetime) -> bool:
        return accepts_at(self.status, self.opens_at, self.closes_at, now)

    def privacy_for(self, lang: str) -> str:
        """The privacy notice in ``lang``, else in the default language; "" when none was written."""
        notice = dict(self.privacy_notice)
        return notice.get(lang) or notice.get(self.default_language, "")

    def form_context(self, max_text_length: int) -> FormContext:
        """What the questionnaire's fields need to know about this programme."""
        return FormContext(sessions=self.sessions, max_text_length=max_text_length, scales=self.definition["scales"])


_programmes = Programme.__table__.c
_VERSION = select(_programmes.id, _programmes.revision, _programmes.created_at).where(
    _programmes.slug == bindparam("slug")
)
_PROGRAMME = (
    select(
        Programme.id,
        Programme.revision,
        Programme.created_at,
        Programme.slug,
        Programme.title,
        Programme.location,
        Programme.languages,
        Programme.status,
        Programme.opens_at,
        Programme.closes_at,
        Programme.access_mode,
        Programme.minimum_group_size,
        Programme.privacy_notice,
        Programme.retention_days,
        Programme.timezone,
        Programme.starts_on,
        Programme.ends_on,
        Questionnaire.id.label("questionnaire_id"),
        Questionnaire.code,
        Questionnaire.version,
        Questionnaire.created_at.label("questionnaire_created_at"),
    )
    .join(Questionnaire, Programme.questionnaire_id == Questionnaire.id)
    .where(Programme.slug == bindparam("slug"))
)
_SESSIONS = (
    select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.kind)
    .where(ProgrammeSession.programme_id == bindparam("programme_id"))
    .order_by(ProgrammeSession.day, ProgrammeSession.position)
)
_DEFINITION = select(Questionnaire.definition).where(Questionnaire.id == bindparam("id"))

_clock = time.monotonic


def published_programme(session: Session, slug: str, *, checked_within: float = 0.0) -> PublishedProgramme:
    """The programme with this slug as trainees see it, whatever its status; NotFound if none.

    A copy found current less than ``checked_within`` seconds ago is returned
    without asking the database.
    """
    copy: PublishedProgramme | None = PROGRAMME_COPIES.get(slug)
    started = _clock()
    checked = PROGRAMME_CHECKED.get(slug)
    if copy is not None and checked is not None and started - checked < checked_within:
        return copy
    row = session.connection().execute(_VERSION, {"slug": slug}).first()
    if row is None:
        PROGRAMME_COPIES.pop(slug)
        raise NotFound(slug)
    if copy is None or copy.version != (row[0], row[1], row[2]):
        copy = PROGRAMME_COPIES.put(slug, _load(session, slug))
    PROGRAMME_CHECKED.put(slug, started)
    return copy


def out_of_date(programme: PublishedProgramme) -> ProgrammeChanged:
    """The error for a copy found out of date; the next request checks it again."""
    PROGRAMME_CHECKED.pop(programme.slug)
    return ProgrammeChanged(programme.slug)


def open_programme(
    session: Session, slug: str, now: datetime | None = None, *, checked_within: float = 0.0
) -> PublishedProgramme:
    """The programme if it takes answers now.

    Raises NotFound for unknown programmes, and NotAccepting with status
    "draft" for a programme not opened yet (its poster may already be on the
    projector: the link says "not open yet", not "no such page"), "not_yet"
    before the opening time, "closed" once closed, archived or past the
    closing time. ``checked_within``: see
    published_programme; a refusal is always made on a copy checked now.
    """
    programme = published_programme(session, slug, checked_within=checked_within)
    now = now or datetime.now(UTC)
    if checked_within and not programme.accepting(now):
        programme = published_programme(session, slug)
    if programme.lifecycle is ProgrammeStatus.DRAFT:
        raise NotAccepting(ProgrammeStatus.DRAFT.value, programme)
    if programme.accepting(now):
        return programme
    if programme.lifecycle is ProgrammeStatus.OPEN and programme.opens_at is not None and now < programme.opens_at:
        raise NotAccepting("not_yet", programme)
    raise NotAccepting(ProgrammeStatus.CLOSED.value, programme)


def questionnaire_definition(session: Session, key: tuple[int, str, int, datetime]) -> dict[str, Any]:
    """The definition of the questionnaire version named by ``key`` (id, code,
    version, creation time), decoded once per worker: a stored version never changes."""
    definition = QUESTIONNAIRE_DEFINITIONS.get(key)
    if definition is None:
        definition = QUESTIONNAIRE_DEFINITIONS.put(key, session.execute(_DEFINITION, {"id": key[0]}).scalar_one())
    return definition


def _load(session: Session, slug: str) -> PublishedProgramme:
    # The version comes from the same row as the rest, so a change made since the
    # check above is kept under its own revision, never under an older one.
    row = session.execute(_PROGRAMME, {"slug": slug}).one_or_none()
    if row is None:
        raise NotFound(slug)
    questionnaire_key = (row.questionnaire_id, row.code, row.version, row.questionnaire_created_at)
    definition = questionnaire_definition(session, questionnaire_key)
    sessions = session.execute(_SESSIONS, {"programme_id": row.id}).all()
    return PublishedProgramme(
        version=(row.id, row.revision, row.created_at),
        slug=row.slug,
        title=row.title,
        location=row.location,
        languages=tuple(row.languages),
        status=row.status,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        access_mode=row.access_mode,
        questionnaire_id=row.questionnaire_id,
        questionnaire_key=questionnaire_key,
        definition=definition,
        sessions=tuple((s.id, s.title, s.kind) for s in sessions),
        minimum_group_size=row.minimum_group_size,
        privacy_notice=tuple(sorted((row.privacy_notice or {}).items())),
        retention_ends_on=retention_end(row.retention_days, row.ends_on, row.starts_on, row.created_at),
        timezone=row.timezone or "UTC",
    )


@event.listens_for(Session, "after_commit")
def _check_again_after_a_change(session: Session) -> None:
    """A programme changed in this worker is checked again by the next request,
    so an organiser sees the change at once on their own server."""
    if session.info.pop(PROGRAMMES_CHANGED, False):
        PROGRAMME_CHECKED.clear()
