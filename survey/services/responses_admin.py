"""The responses browser: the list of a programme's responses, one response in
full, and its comments filtered by question and language.

Responses carry no identity, so none is shown: only in which language, how
(web, kiosk, paper) and whether an organiser excluded it; not when, since a
time would pair a response with the trainee seen sending it. Excluded
responses stay in the list and on their page, marked; the comments page
leaves them out like every chart does.

Both pages list responses only in whole batches of k, in the order of their
random ids (survey.services.anonymity.in_whole_batches): reloading them while
trainees send one at a time tells which batch is new, never which response.
The responses still waiting for their batch are listed only after a
confirmation, which is recorded (survey.services.disclosure).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from reports.data import Question as QuestionSpec
from reports.labels import localised
from survey.models import Answer, Exclusion, Programme, Question, Questionnaire, Response, User
from survey.questionnaire.kinds import KINDS
from survey.services import NotFound, aggregates
from survey.services.anonymity import group_size_of, in_whole_batches, listed_count

#: Rows per page of the list and of the comments.
PAGE_SIZE = 50

T = TypeVar("T")


@dataclass(frozen=True)
class Paged(Generic[T]):
    rows: tuple[T, ...]
    #: From 1; clamped into 1..pages.
    page: int
    pages: int
    total: int


def _page_bounds(total: int, page: int, per_page: int) -> tuple[int, int]:
    """(page clamped into range, number of pages; at least 1)."""
    pages = max(1, math.ceil(total / per_page))
    return min(max(page, 1), pages), pages


@dataclass(frozen=True)
class ResponseRow:
    """A response as staff see it: no time (see the module docstring)."""

    id: uuid.UUID
    language: str
    #: web, kiosk or paper.
    source: str
    paper_number: int | None
    excluded: bool


def _row(response: Response) -> ResponseRow:
    return ResponseRow(
        id=response.id,
        language=response.language,
        source=response.source,
        paper_number=response.paper_number,
        excluded=response.excluded,
    )


@dataclass(frozen=True)
class Batches:
    """How many of a programme's responses the browser lists, and how many wait."""

    #: Every stored response, excluded ones included.
    stored: int
    #: Those in whole batches of k.
    listed: int
    #: The programme's minimum group size k.
    k: int

    @property
    def waiting(self) -> int:
        """Responses not yet in a whole batch: listed only after a recorded confirmation."""
        return self.stored - self.listed


def batches(session: Session, programme: Programme) -> Batches:
    """The programme's responses counted: stored, listed in whole batches, waiting."""
    stored = int(session.scalar(select(func.count(Response.id)).where(Response.programme_id == programme.id)) or 0)
    return Batches(stored=stored, listed=listed_count(programme, stored), k=group_size_of(programme))


@dataclass(frozen=True)
class ResponseList:
    responses: Paged[ResponseRow]
    batches: Batches
    #: Whether ``responses`` are the ones waiting for their batch (after a confirmation).
    waiting: bool


def list_responses(
    session: Session, programme: Programme, page: int = 1, per_page: int = PAGE_SIZE, *, waiting: bool = False
) -> ResponseList:
    """One page of the responses in whole batches of k, in the order of their
    random ids, excluded ones included; with ``waiting``, the responses not yet
    in a batch instead (fewer than k, one page: call it only after the
    confirmation :func:`survey.services.disclosure.record_waiting_responses_shown`
    records)."""
    counted = batches(session, programme)
    batched = Response.id.in_(in_whole_batches(programme, counted.stored))
    total = counted.waiting if waiting else counted.listed
    if waiting:
        page, pages, per_page = 1, 1, max(total, 1)
    else:
        page, pages = _page_bounds(total, page, per_page)
    query = (
        select(Response)
        .where(Response.programme_id == programme.id, ~batched if waiting else batched)
        .order_by(Response.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = tuple(_row(r) for r in session.scalars(query))
    return ResponseList(Paged(rows, page, pages, total), counted, waiting)


@dataclass(frozen=True)
class AnswerLine:
    #: The sub-answer's label ("Before", a session's title), "" for a single answer.
    item: str
    #: The answer as the reader sees it: "4 · Agree", an option's label, the comment.
    value: str


@dataclass(frozen=True)
class AnsweredQuestion:
    code: str
    kind: str
    #: In the page language.
    text: str
    #: Empty when the trainee left the question unanswered.
    lines: tuple[AnswerLine, ...]
    #: Free text typed by the trainee: show as text, in its own direction.
    free_text: bool


@dataclass(frozen=True)
class LogEntry:
    at: datetime
    #: Who did it (name or email); "" when that account was deleted since.
    user: str
    excluded: bool
    reason: str


@dataclass(frozen=True)
class ResponseDetail:
    response: ResponseRow
    answers: tuple[AnsweredQuestion, ...]
    #: Exclusions and inclusions, oldest first.
    log: tuple[LogEntry, ...]


def response_detail(session: Session, programme: Programme, response_id: uuid.UUID, lang: str) -> ResponseDetail:
    """Every question of the version the trainee answered, labelled in ``lang``.

    :raises NotFound: no such response in this programme.
    """
    response = session.scalars(
        select(Response).where(Response.id == response_id, Response.programme_id == programme.id)
    ).first()
    if response is None:
        raise NotFound(str(response_id))
    questionnaire = session.get(Questionnaire, response.questionnaire_id) or programme.questionnaire
    spec = aggregates.questionnaire_spec(programme, questionnaire)
    given: dict[str, list[tuple[str, int | None, str | None]]] = defaultdict(list)
    query = (
        select(Question.code, Answer.item, Answer.number, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id == response.id)
        .order_by(Answer.id)
    )
    for code, item, number, text in session.execute(query):
        given[code].append((item, number, text))
    answers = tuple(
        AnsweredQuestion(
            code=q.code,
            kind=q.kind,
            text=localised(q.text, lang, spec.languages),
            lines=tuple(_lines(q, given.get(q.code, []), lang, spec.languages)),
            free_text=KINDS[q.kind].free_text,
        )
        for q in spec.questions
    )
    log = session.execute(
        select(Exclusion.at, User.name, User.email, Exclusion.excluded, Exclusion.reason)
        .outerjoin(User, User.id == Exclusion.user_id)
        .where(Exclusion.response_id == response.id)
        .order_by(Exclusion.at, Exclusion.id)
    )
    entries = tuple(LogEntry(at, name or email or "", excluded, reason) for at, name, email, excluded, reason in log)
    return ResponseDetail(_row(response), answers, entries)


def _lines(
    question: QuestionSpec,
    given: list[tuple[str, int | None, str | None]],
    lang: str,
    languages: tuple[str, ...],
) -> list[AnswerLine]:
    """The stored rows of one question, labelled; in the questionnaire's item order."""
    options = {o.value: localised(o.label, lang, languages) for o in question.options}
    kind = KINDS[question.kind]
    if kind.multiple:
        chosen = {item for item, number, _ in given if number}
        return [AnswerLine("", options[o.value]) for o in question.options if o.value in chosen]
    if kind.choice or kind.free_text:
        return [AnswerLine("", options.get(text or "", text or "")) for _, _, text in given]
    labels = _point_labels(question, lang, languages)
    items = {o.value: localised(o.label, lang, languages) for o in question.items}
    order = {value: index for index, value in enumerate(items)}
    lines = []
    for item, number, text in sorted(given, key=lambda row: order.get(row[0], len(order))):
        if number is None:
            value = text or ""
        else:
            label = labels.get(number, "")
            value = f"{number} · {label}" if label else str(number)
        lines.append(AnswerLine(items.get(item, item), value))
    return lines


def _point_labels(question: QuestionSpec, lang: str, languages: tuple[str, ...]) -> dict[int, str]:
    for candidate in (lang, *languages):
        names = question.point_labels.get(candidate, ())
        if len(names) == len(question.points):
            return dict(zip(question.points, names, strict=True))
    return {}


@dataclass(frozen=True)
class CommentRow:
    response_id: uuid.UUID
    question: str
    #: The question in the page language.
    question_text: str
    #: The language the trainee answered in.
    language: str
    #: As typed: show it as text.
    text: str


@dataclass(frozen=True)
class CommentFilters:
    """What the comments page can filter on: (code, question text) and response languages."""

    questions: tuple[tuple[str, str], ...]
    languages: tuple[str, ...]


@dataclass(frozen=True)
class CommentsPage:
    comments: Paged[CommentRow]
    filters: CommentFilters
    batches: Batches


def browse_comments(
    session: Session,
    programme: Programme,
    lang: str,
    *,
    question: str | None = None,
    language: str | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> CommentsPage:
    """One page of the comments that count (excluded responses left out) of the
    responses in whole batches of k, in the order of their responses' random
    ids, optionally of one question and in one response language; with the
    choices the filters offer (only languages of listed responses: a language
    appearing in the list would point at the one trainee who speaks it)."""
    spec = aggregates.questionnaire_spec(programme)
    texts = {q.code: localised(q.text, lang, spec.languages) for q in spec.questions}
    counted = batches(session, programme)
    batched = Response.id.in_(in_whole_batches(programme, counted.stored))
    conditions = [
        Response.programme_id == programme.id,
        batched,
        aggregates.counted(),
        Question.kind.in_(aggregates.FREE_TEXT_KINDS),
        Answer.text.is_not(None),
    ]
    if question:
        conditions.append(Question.code == question)
    if language:
        conditions.append(Response.language == language)
    total = int(
        session.scalar(
            select(func.count(Answer.id))
            .join(Question, Question.id == Answer.question_id)
            .join(Response, Response.id == Answer.response_id)
            .where(*conditions)
        )
        or 0
    )
    page, pages = _page_bounds(total, page, per_page)
    query = (
        select(Response.id, Question.code, Response.language, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .join(Response, Response.id == Answer.response_id)
        .where(*conditions)
        .order_by(Response.id, Question.position, Answer.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = tuple(
        CommentRow(rid, code, texts.get(code, code), language_, text or "")
        for rid, code, language_, text in session.execute(query)
    )
    seen = session.scalars(
        select(Response.language).where(Response.programme_id == programme.id, batched).group_by(Response.language)
    )
    filters = CommentFilters(
        questions=tuple((q.code, texts[q.code]) for q in spec.questions if KINDS[q.kind].free_text),
        languages=tuple(dict.fromkeys([*programme.languages, *sorted(seen)])),
    )
    return CommentsPage(Paged(rows, page, pages, total), filters, counted)
