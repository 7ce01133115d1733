"""What the live dashboard shows, and the one-query check that lets it say "nothing new".

Several gunicorn workers serve the dashboards, so no worker can remember what
it last sent: the database is the only shared state. The browser polls, and
each answer carries an ETag made from :class:`Fingerprint`, a fingerprint read in a
single statement (:func:`fingerprint_for_viewer`); while nothing changed the server
answers 304 without building a chart. See ``survey.web.organiser.dashboard``
for why polling rather than server-sent events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from reports import charts, disclosure
from reports.data import ProgrammeData
from reports.labels import localised
from reports.summary import DimensionResult, dimension_means, dimension_results, dimension_scale
from survey.models import Programme, ProgrammeGrant, Role, User
from survey.services import aggregates, anonymity

#: Bump when the JSON the dashboard receives changes shape, so a browser
#: holding an old ETag gets the new payload after a deployment.
PAYLOAD_VERSION = "1"
#: How many comments the dashboard shows: the latest batches that fit (survey.services.anonymity).
LATEST_COMMENTS = 10
#: Roles that may read a programme they are granted (admins read every programme).
READERS = (Role.ADMIN.value, Role.ORGANISER.value, Role.EVALUATOR.value)


@dataclass(frozen=True)
class Fingerprint:
    """Everything a dashboard answer depends on, apart from the language."""

    programme_id: int
    status: str
    expected: int | None
    timezone: str
    questionnaire_id: int
    change: aggregates.Change
    #: What the dashboard may show depends on it (reports.disclosure).
    minimum_group_size: int = disclosure.DEFAULT_MINIMUM_GROUP

    def etag(self, lang: str) -> str:
        """An opaque tag (unquoted) for this state seen in ``lang``."""
        parts = (PAYLOAD_VERSION, lang, self.programme_id, self.status, self.expected, self.timezone)
        raw = "|".join(str(p) for p in (*parts, self.questionnaire_id, *self.change, self.minimum_group_size))
        return hashlib.sha256(raw.encode()).hexdigest()[:24]


def _fingerprint_columns() -> tuple[object, ...]:
    return (
        Programme.id,
        Programme.status,
        Programme.expected_participants,
        Programme.timezone,
        Programme.questionnaire_id,
        Programme.minimum_group_size,
        *aggregates.change_columns(Programme.id),
    )


def _fingerprint(row: Sequence[object]) -> Fingerprint:
    programme_id, status, expected, timezone, questionnaire_id, minimum, *change = row
    return Fingerprint(
        programme_id=int(str(programme_id)),
        status=str(status),
        expected=int(str(expected)) if expected is not None else None,
        timezone=str(timezone),
        questionnaire_id=int(str(questionnaire_id)),
        change=aggregates.change_from(tuple(change)),
        minimum_group_size=int(str(minimum)),
    )


def fingerprint_for_viewer(session: Session, slug: str, user_id: int, session_version: int) -> Fingerprint | None:
    """The programme's :class:`Fingerprint` if user ``user_id``, signed in with
    ``session_version`` (User.session_version), may read it, else None.

    One SQL statement checks the user (active, a staff role), the grant (unless
    admin) and reads the fingerprint, so an unchanged dashboard costs exactly
    one query. It grants nothing by itself: None only means "take the full path",
    where the usual sign-in and :func:`survey.services.access.can_view` checks
    answer.
    """
    user = (
        select(User.role)
        .where(
            User.id == user_id,
            User.session_version == session_version,
            User.active.is_(True),
            User.role.in_(READERS),
        )
        .scalar_subquery()
    )
    granted = exists().where(and_(ProgrammeGrant.user_id == user_id, ProgrammeGrant.programme_id == Programme.id))
    query = select(*_fingerprint_columns(), user, granted).where(Programme.slug == slug)  # type: ignore[call-overload]
    row = session.execute(query).first()
    if row is None:
        return None
    *values, role, has_grant = row
    if role is None or (role != Role.ADMIN.value and not has_grant):
        return None
    return _fingerprint(values)


def fingerprint(session: Session, programme: Programme) -> Fingerprint:
    """The :class:`Fingerprint` of a programme already authorised (the full path)."""
    query = select(*_fingerprint_columns()).where(Programme.id == programme.id)  # type: ignore[call-overload]
    return _fingerprint(tuple(session.execute(query).one()))


@dataclass(frozen=True)
class Kpis:
    #: Responses that count (excluded ones do not).
    responses: int
    expected: int | None
    #: Responses against expected, 0..1 (can pass 1); None without an expected number.
    rate: float | None
    excluded: int
    status: str
    #: Fewer responses than the minimum group size: no chart of answers, no comment.
    small_group: bool = False
    minimum_group_size: int = disclosure.DEFAULT_MINIMUM_GROUP
    #: Responses that count but wait for the next whole batch of k before any
    #: figure includes them (survey.services.anonymity.figures_scope).
    waiting: int = 0


@dataclass(frozen=True)
class LiveFigure:
    #: "arrivals", "dimensions", or the question code.
    code: str
    #: Plotly JSON for ``Plotly.react(el, spec.data, spec.layout)``.
    json: str


@dataclass(frozen=True)
class LiveComment:
    question: str
    #: The question's text in the page language.
    question_text: str
    #: The language the trainee answered in (the comment is in it); "" where
    #: fewer than k shown comments' authors share it (survey.services.anonymity), or
    #: the language's group is too small to name (reports.disclosure).
    language: str
    #: As typed by the trainee: show it as text, never as markup.
    text: str


@dataclass(frozen=True)
class LiveView:
    etag: str
    kpis: Kpis
    figures: tuple[LiveFigure, ...]
    comments: tuple[LiveComment, ...]


@dataclass(frozen=True)
class LiveState:
    """What the dashboard is drawn from: its KPIs, the data as the reports see
    it and the comments it may show (none under k); the API's summary reads it too."""

    etag: str
    kpis: Kpis
    data: ProgrammeData
    comments: tuple[LiveComment, ...]
    #: When each counted response arrived, those waiting for their batch
    #: included: the arrivals chart is a count over time, which may move live.
    arrivals: tuple[datetime, ...] = ()


def live_state(session: Session, programme: Programme, lang: str) -> LiveState:
    """The dashboard's figures before they are drawn, in ``lang``.

    The count is live; the figures are drawn from whole batches of k only
    while the programme is open (survey.services.anonymity.figures_scope), and
    the KPIs say how many responses wait for the next batch.

    The fingerprint is read before the data: a response stored in between shows in
    the data but not the tag, so the next poll fetches it again rather than
    missing it.
    """
    etag = fingerprint(session, programme).etag(lang)
    counted, excluded = aggregates.response_counts(session, programme)
    only = anonymity.figures_scope(session, programme)
    data = aggregates.programme_data(session, programme, with_rows=True, comment_limit=0, only=only)
    expected = programme.expected_participants
    minimum = data.programme.minimum_group_size
    # Judged on the responses the figures are drawn from, as the reports judge
    # them; some that all wait for their batch are as few.
    small = disclosure.programme_withheld(data.n_responses, minimum) or (counted > 0 and data.n_responses == 0)
    kpis = Kpis(
        responses=counted,
        expected=expected,
        rate=counted / expected if expected else None,
        excluded=excluded,
        status=programme.status,
        small_group=small,
        minimum_group_size=minimum,
        waiting=max(counted - data.n_responses, 0),
    )
    arrivals = aggregates.submission_times(session, programme)
    if small:  # the count and the arrivals only: no answer of so few is shown
        return LiveState(etag, kpis, data, (), arrivals)
    comments = _comments(anonymity.room_comments(session, programme, LATEST_COMMENTS), data, lang)
    return LiveState(etag, kpis, data, comments, arrivals)


def live_view(session: Session, programme: Programme, lang: str) -> LiveView:
    """The dashboard in ``lang``: KPIs, figures and the latest comments."""
    state = live_state(session, programme, lang)
    figures = _figures(state.data, state.arrivals, programme, lang, answers=not state.kpis.small_group)
    return LiveView(state.etag, state.kpis, tuple(figures), state.comments)


def dimension_scores(data: ProgrammeData) -> tuple[DimensionResult, ...]:
    """The dimensions as the dashboard draws them: scored by the reports, from
    the answers a chart may show (reports.disclosure)."""
    return dimension_results(disclosure.published_data(data))


def _figures(
    data: ProgrammeData, times: Sequence[datetime], programme: Programme, lang: str, *, answers: bool = True
) -> list[LiveFigure]:
    arrivals = charts.arrivals(times, lang, programme.timezone, programme.expected_participants)
    figures = [LiveFigure("arrivals", charts.figure_json(arrivals))]
    if not answers:
        return figures
    # Scored as the documents score them, so the dashboard and the report agree.
    dimensions = dimension_scores(data)
    data = disclosure.published_data(data)  # sessions rated by too few trainees are not drawn
    questionnaire = data.questionnaire
    if dimensions:
        scale = dimension_scale([questionnaire])
        bars = charts.dimension_bars(dimension_means(dimensions), questionnaire, lang, scale=scale)
        figures.append(LiveFigure("dimensions", charts.figure_json(bars)))
    for question in questionnaire.questions:
        figure = charts.figure_for_question(data, question, lang)
        if figure is not None:
            figures.append(LiveFigure(question.code, charts.figure_json(figure)))
    return figures


def _comments(shown: tuple[anonymity.RoomComment, ...], data: ProgrammeData, lang: str) -> tuple[LiveComment, ...]:
    questionnaire = data.questionnaire
    texts = {q.code: localised(q.text, lang, questionnaire.languages) for q in questionnaire.questions}
    hidden = disclosure.hidden_languages(data)
    return tuple(
        LiveComment(
            c.question, texts.get(c.question, c.question), disclosure.comment_language(c.language, hidden), c.text
        )
        for c in shown
    )
