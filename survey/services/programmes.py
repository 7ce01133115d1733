"""Create programmes, move them through their lifecycle, find them for trainees."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from reports.disclosure import DEFAULT_MINIMUM_GROUP
from reports.languages import CODES
from survey.models import (
    Answer,
    Programme,
    ProgrammeSession,
    ProgrammeStatus,
    Questionnaire,
    Response,
    Role,
    TransitionError,
    User,
)
from survey.questionnaire.kinds import FormContext
from survey.services import DomainError, NotFound
from survey.services.access import grant
from survey.services.kiosks import revoke_all_kiosks, revoke_kiosks_ended_by_closing_time
from survey.services.published import questionnaire_definition


@dataclass(frozen=True)
class SessionSpec:
    day: int
    title: str
    trainer: str = ""
    kind: str = "session"


def create_programme(
    session: Session,
    *,
    slug: str,
    title: str,
    questionnaire: Questionnaire,
    location: str = "",
    country: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    timezone: str = "UTC",
    expected_participants: int | None = None,
    languages: Sequence[str] = CODES,
    sessions: Iterable[SessionSpec] = (),
    series: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP,
    retention_days: int | None = None,
    privacy_notice: Mapping[str, str] | None = None,
) -> Programme:
    """Add a draft programme with its sessions (flushed, not committed)."""
    programme = Programme(
        slug=slug,
        title=title,
        questionnaire=questionnaire,
        location=location,
        country=country,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
        expected_participants=expected_participants,
        languages=list(languages),
        status=ProgrammeStatus.DRAFT.value,
        series=series,
        opens_at=opens_at,
        closes_at=closes_at,
        minimum_group_size=minimum_group_size,
        retention_days=retention_days,
        privacy_notice=dict(privacy_notice or {}),
    )
    programme.sessions = [
        ProgrammeSession(day=spec.day, position=position, title=spec.title, trainer=spec.trainer, kind=spec.kind)
        for position, spec in enumerate(sessions)
    ]
    session.add(programme)
    session.flush()
    return programme


_FIND_PROGRAMME = (
    select(Programme)
    .where(Programme.slug == bindparam("slug"))
    .options(
        joinedload(Programme.questionnaire).defer(Questionnaire.definition),
        joinedload(Programme.sessions),
    )
)


def find_programme(session: Session, slug: str) -> Programme:
    """The programme with this slug, its questionnaire and sessions; NotFound if none.

    One joined query (a dozen rows at most: one per session); the
    questionnaire's definition comes from a per-process cache rather than being
    decoded again. Trainee pages use survey.services.published instead.
    """
    programme = session.scalars(_FIND_PROGRAMME, {"slug": slug}).unique().first()
    if programme is None:
        raise NotFound(slug)
    questionnaire = programme.questionnaire
    definition = questionnaire_definition(session, questionnaire.key)
    # Loaded state, not a change: nothing will be written back.
    set_committed_value(questionnaire, "definition", definition)
    return programme


def form_context(programme: Programme, max_text_length: int = 2000) -> FormContext:
    """What the questionnaire's fields need to know about this programme."""
    return FormContext(
        sessions=tuple((s.id, s.title, s.kind) for s in programme.sessions),
        max_text_length=max_text_length,
        scales=programme.questionnaire.definition["scales"],
    )


# Programme management: settings and lifecycle, for the organiser's pages.


class SlugTaken(DomainError):
    """Another programme already uses this short name."""


class SlugLocked(DomainError):
    """The short name of a programme that has been opened is in printed links and QR codes."""


class UnknownQuestionnaire(DomainError):
    pass


class QuestionnaireLocked(DomainError):
    """The programme has responses: they must stay tied to the questions their trainees saw."""


class SessionInUse(DomainError):
    """A session with answers cannot be removed; ``title`` names it."""

    def __init__(self, title: str) -> None:
        self.title = title
        super().__init__(title)


@dataclass(frozen=True)
class ProgrammeSettings:
    """Everything the organiser's settings form sets; times are UTC."""

    slug: str
    title: str
    questionnaire_id: int
    location: str = ""
    country: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    timezone: str = "UTC"
    expected_participants: int | None = None
    #: The first is the default language.
    languages: tuple[str, ...] = CODES
    series: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    sessions: tuple[SessionSpec, ...] = ()
    #: The smallest group whose answers reports and the dashboard show (reports.disclosure).
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP
    #: Days the responses and codes are kept after the programme's end; None: until an admin erases them.
    retention_days: int | None = None
    #: (language, text) of the privacy notice on the form's first page.
    privacy_notice: tuple[tuple[str, str], ...] = ()


def has_responses(session: Session, programme: Programme) -> bool:
    return bool(session.scalar(select(exists().where(Response.programme_id == programme.id))))


def slug_free(session: Session, slug: str, programme_id: int | None = None) -> bool:
    """Whether no programme (other than ``programme_id``) uses this short name."""
    query = exists().where(Programme.slug == slug)
    if programme_id is not None:
        query = query.where(Programme.id != programme_id)
    return not session.scalar(select(query))


def _questionnaire(session: Session, questionnaire_id: int) -> Questionnaire:
    questionnaire = session.get(Questionnaire, questionnaire_id)
    if questionnaire is None:
        raise UnknownQuestionnaire(str(questionnaire_id))
    return questionnaire


def add_programme(session: Session, creator: User, settings: ProgrammeSettings) -> Programme:
    """Create a draft programme and grant it to its creator (admins see every programme anyway).

    Raises SlugTaken (also when another organiser took the name a moment
    earlier) and UnknownQuestionnaire.
    """
    if not slug_free(session, settings.slug):
        raise SlugTaken(settings.slug)
    questionnaire = _questionnaire(session, settings.questionnaire_id)
    try:
        programme = create_programme(
            session,
            slug=settings.slug,
            title=settings.title,
            questionnaire=questionnaire,
            location=settings.location,
            country=settings.country,
            starts_on=settings.starts_on,
            ends_on=settings.ends_on,
            timezone=settings.timezone,
            expected_participants=settings.expected_participants,
            languages=settings.languages,
            sessions=settings.sessions,
            series=settings.series,
            retention_days=settings.retention_days,
            privacy_notice={lang: text for lang, text in settings.privacy_notice if text},
            opens_at=settings.opens_at,
            closes_at=settings.closes_at,
            minimum_group_size=settings.minimum_group_size,
        )
    except IntegrityError:
        session.rollback()
        raise SlugTaken(settings.slug) from None
    if creator.role != Role.ADMIN:
        grant(session, creator, programme)
    session.commit()
    return programme


def update_programme(session: Session, programme: Programme, settings: ProgrammeSettings) -> Programme:
    """Apply the settings form to ``programme``, checking everything before changing anything.

    Raises SlugTaken, SlugLocked (the programme has been opened: links and
    QR codes are out), UnknownQuestionnaire, QuestionnaireLocked (it has
    responses) and SessionInUse (a removed session has answers). Kiosk devices
    that the closing time ended are revoked, so that a later closing time does
    not bring them back (survey.services.kiosks).
    """
    if settings.slug != programme.slug:
        if programme.lifecycle is not ProgrammeStatus.DRAFT:
            raise SlugLocked(programme.slug)
        if not slug_free(session, settings.slug, programme.id):
            raise SlugTaken(settings.slug)
    questionnaire = programme.questionnaire
    if settings.questionnaire_id != programme.questionnaire_id:
        questionnaire = _questionnaire(session, settings.questionnaire_id)
        if has_responses(session, programme):
            raise QuestionnaireLocked(programme.slug)
    sessions = _reconciled_sessions(session, programme, settings.sessions)
    # Devices the closing time ended stay ended, whatever the new window says.
    revoke_kiosks_ended_by_closing_time(session, programme)
    programme.slug = settings.slug
    programme.title = settings.title
    programme.questionnaire = questionnaire
    programme.location = settings.location
    programme.country = settings.country
    programme.starts_on = settings.starts_on
    programme.ends_on = settings.ends_on
    programme.timezone = settings.timezone
    programme.expected_participants = settings.expected_participants
    programme.languages = list(settings.languages)
    programme.series = settings.series
    programme.opens_at = settings.opens_at
    programme.closes_at = settings.closes_at
    programme.minimum_group_size = settings.minimum_group_size
    programme.retention_days = settings.retention_days
    programme.privacy_notice = {lang: text for lang, text in settings.privacy_notice if text}
    programme.sessions = sessions
    try:
        session.commit()
    except IntegrityError:  # another organiser took the short name a moment ago
        session.rollback()
        raise SlugTaken(settings.slug) from None
    return programme


def _reconciled_sessions(
    session: Session, programme: Programme, specs: Sequence[SessionSpec]
) -> list[ProgrammeSession]:
    """The programme's sessions after the edit, keeping existing rows (and their ids) where possible.

    Matrix answers name the session by its id, so a session keeps its row when
    its title is unchanged (even if it moved), and otherwise the n-th new line
    takes over the n-th unmatched old session: fixing a typo in a title keeps
    the answers about it. Only sessions left over are removed, and refused
    (SessionInUse) if trainees already answered about them. Nothing is changed
    before every check has passed.
    """
    existing = list(programme.sessions)
    by_title: dict[str, list[ProgrammeSession]] = {}
    for row in existing:
        by_title.setdefault(row.title, []).append(row)
    matched: list[ProgrammeSession | None] = [
        by_title[spec.title].pop(0) if by_title.get(spec.title) else None for spec in specs
    ]
    taken = {id(row) for row in matched if row is not None}
    leftovers = iter([row for row in existing if id(row) not in taken])
    matched = [row if row is not None else next(leftovers, None) for row in matched]
    removed = list(leftovers)
    if removed:
        answered = session.scalars(
            select(Answer.item)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.programme_id == programme.id, Answer.item.in_([str(row.id) for row in removed]))
            .limit(1)
        ).first()
        if answered is not None:
            raise SessionInUse(next(row.title for row in removed if str(row.id) == answered))
    out: list[ProgrammeSession] = []
    for position, (spec, kept) in enumerate(zip(specs, matched, strict=True)):
        row = kept or ProgrammeSession()
        row.day, row.position, row.title = spec.day, position, spec.title
        row.trainer, row.kind = spec.trainer, spec.kind
        out.append(row)
    return out


def _move(
    session: Session,
    programme: Programme,
    target: ProgrammeStatus,
    *,
    only_from: ProgrammeStatus,
    also: Callable[[Session, int], None] | None = None,
) -> None:
    """Move and commit; ``also`` changes what must change in the same transaction."""
    if programme.lifecycle is not only_from:
        raise TransitionError(f"programme {programme.slug!r} is {programme.status}, not {only_from.value}")
    programme.move_to(target)
    if also is not None:
        also(session, programme.id)
    session.commit()


def open_programme(session: Session, programme: Programme) -> None:
    """Draft or closed -> open: the form takes answers (inside its time window, if any)."""
    programme.move_to(ProgrammeStatus.OPEN)
    session.commit()


def close_programme(session: Session, programme: Programme) -> None:
    """Open -> closed: late links answer "closed", and every kiosk device is revoked
    (reopening the programme needs new kiosk links)."""
    _move(session, programme, ProgrammeStatus.CLOSED, only_from=ProgrammeStatus.OPEN, also=revoke_all_kiosks)


def reopen_programme(session: Session, programme: Programme) -> None:
    """Closed -> open, for the trainee who arrived late."""
    _move(session, programme, ProgrammeStatus.OPEN, only_from=ProgrammeStatus.CLOSED)


def archive_programme(session: Session, programme: Programme) -> None:
    """Draft or closed -> archived: kept for reports, gone from the working list."""
    programme.move_to(ProgrammeStatus.ARCHIVED)
    session.commit()


def unarchive_programme(session: Session, programme: Programme) -> None:
    """Archived -> closed (and never straight to open)."""
    _move(session, programme, ProgrammeStatus.CLOSED, only_from=ProgrammeStatus.ARCHIVED)
