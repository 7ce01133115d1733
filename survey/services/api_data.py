"""What the JSON API reads of a programme: its summary, its codebook, its responses.

The summary is the dashboard's (:func:`survey.services.live.live_state`), so
the same small-group rules hold: under k responses, counts only.

Responses are read in the raw exports' variable names
(:func:`reports.documents.codebook.variables`), without their time: a page of
responses must not tell a reader which response came when. Only whole
batches of k responses, cut in arrival order, are ever given (the latest
responses wait until k of them have come), and within what is given the order
is the responses' random ids. So re-reading after every submission shows a new
batch of k at once, never a single new response; docs/anonymity.md. A
programme under k responses gives none (:class:`SmallProgramme`), as its
raw exports need a logged confirmation on the web.

Every read that gives a programme's data (summary, codebook, each page of
responses) is recorded in the audit log under the token's owner, as the same
figures and variables downloaded from the reports page are
(:func:`record_read`); the list of programmes gives no data and is not.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from reports.documents.codebook import Variable, variables
from reports.labels import localised
from survey.models import Answer, Programme, Question, Response
from survey.services import DomainError
from survey.services.aggregates import counted, questionnaire_spec
from survey.services.anonymity import group_size_of, listed_count
from survey.services.api_tokens import Caller
from survey.services.audit import record
from survey.services.live import Kpis, LiveComment, dimension_scores, live_state

#: The largest page of responses a client may ask for; its default.
MAX_PAGE = 1000
DEFAULT_PAGE = 100
#: The export variable the API leaves out: the time would give the order of arrival.
LEFT_OUT = frozenset({"submitted_at"})
#: The audit log's action for a read of a programme's data through the API.
API_READ = "api_read"


class SmallProgramme(DomainError):
    """Fewer responses than the programme's minimum group size: none is given."""

    def __init__(self, minimum: int) -> None:
        self.minimum = minimum
        super().__init__(f"fewer than {minimum} responses")


@dataclass(frozen=True)
class Dimension:
    code: str
    label: str
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    n: int


@dataclass(frozen=True)
class Summary:
    kpis: Kpis
    dimensions: tuple[Dimension, ...]
    comments: tuple[LiveComment, ...]


def record_read(session: Session, reader: Caller, programme: Programme, what: str) -> None:
    """Record in the audit log that ``reader`` read ``what`` of ``programme`` ("summary fr"),
    naming the token by its shown characters. Commits (survey.services.audit.record)."""
    record(session, reader.user, API_READ, programme, f"{what}, token {reader.token.prefix}")


def programme_summary(session: Session, programme: Programme, lang: str, reader: Caller) -> Summary:
    """The dashboard's figures in ``lang``: counts always, scores and comments from k
    responses. The read is audit-logged (and committed)."""
    state = live_state(session, programme, lang)
    record_read(session, reader, programme, f"summary {lang}")
    if state.kpis.small_group:
        return Summary(state.kpis, (), ())
    languages = state.data.questionnaire.languages
    dimensions = tuple(
        Dimension(
            code=result.code,
            label=localised(result.label, lang, languages),
            mean=result.summary.mean,
            ci_low=result.summary.ci_low,
            ci_high=result.summary.ci_high,
            n=result.summary.n,
        )
        for result in dimension_scores(state.data)
    )
    return Summary(state.kpis, dimensions, state.comments)


def api_variables(programme: Programme) -> tuple[Variable, ...]:
    """The export's variables that the API gives, in the export's order."""
    return tuple(v for v in variables(questionnaire_spec(programme)) if v.name not in LEFT_OUT)


def programme_codebook(session: Session, programme: Programme, lang: str, reader: Caller) -> tuple[Variable, ...]:
    """The codebook :func:`api_variables` gives, its read audit-logged (and committed)."""
    found = api_variables(programme)
    record_read(session, reader, programme, f"codebook {lang}")
    return found


@dataclass(frozen=True)
class ResponsesPage:
    #: One mapping per response: variable name -> value (None: not answered).
    rows: list[dict[str, int | float | str | None]]
    #: Where the next page starts; None on the last page.
    next_cursor: str | None
    #: Responses given in all (whole batches of k); the rest wait for their batch.
    revealed: int


def responses_page(
    session: Session, programme: Programme, reader: Caller, *, after: str | None, limit: int = DEFAULT_PAGE
) -> ResponsesPage:
    """One page of the responses revealed so far, after the cursor ``after``.

    Each page given is audit-logged (and committed): a reader may start
    anywhere with a cursor, so no page goes unrecorded. Raises SmallProgramme
    under k responses, DomainError for a cursor this service did not give.
    """
    start = _cursor(after)
    limit = min(max(1, limit), MAX_PAGE)
    k = group_size_of(programme)
    n = int(session.scalar(select(func.count()).where(Response.programme_id == programme.id, counted())) or 0)
    if n < k:
        raise SmallProgramme(k)
    revealed = listed_count(programme, n)
    batches = (
        select(Response.id)
        .where(Response.programme_id == programme.id, counted())
        .order_by(Response.submitted_at, Response.id)
        .limit(revealed)
        .scalar_subquery()
    )
    query = select(Response.id).where(Response.id.in_(batches)).order_by(Response.id).limit(limit + 1)
    if start is not None:
        query = query.where(Response.id > start)
    ids = list(session.scalars(query))
    more = len(ids) > limit
    ids = ids[:limit]
    rows = _rows(session, programme, ids)
    record_read(session, reader, programme, "responses, next page" if start is not None else "responses, first page")
    return ResponsesPage(rows, ids[-1].hex if more and ids else None, revealed)


def _cursor(after: str | None) -> uuid.UUID | None:
    if not after:
        return None
    try:
        return uuid.UUID(hex=after)
    except ValueError:
        raise DomainError("unknown cursor") from None


def _rows(session: Session, programme: Programme, ids: list[uuid.UUID]) -> list[dict[str, int | float | str | None]]:
    if not ids:
        return []
    query = (
        select(
            type_coerce(Response.id, String),
            Response.language,
            Response.source,
            Question.code,
            Answer.item,
            Answer.number,
            Answer.text,
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .outerjoin(Question, Question.id == Answer.question_id)
        .where(Response.id.in_(ids))
    )
    found: dict[uuid.UUID, tuple[str, str, dict[str, int | str]]] = {}
    for key, language, source, code, item, number, text in session.execute(query):
        response_id = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
        _, _, values = found.setdefault(response_id, (language, source, {}))
        value = number if number is not None else text
        if code is not None and value is not None:
            values[f"{code}__{item}" if item else code] = value
    wanted = api_variables(programme)
    return [_row(response_id, *found[response_id], wanted) for response_id in ids if response_id in found]


def _row(
    response_id: uuid.UUID, language: str, source: str, values: Mapping[str, int | str], wanted: tuple[Variable, ...]
) -> dict[str, int | float | str | None]:
    fixed: dict[str, int | float | str | None] = {
        "response_id": str(response_id),
        "language": language,
        "source": source,
    }
    row: dict[str, int | float | str | None] = {}
    for v in wanted:
        if not v.column:
            row[v.name] = fixed.get(v.name)
        else:
            value = values.get(v.column)
            row[v.name] = v.unanswered if value is None else value
    return row
