"""What staff may learn of who answered what: k, and comments shown in batches.

A page that changes the moment one response arrives tells whoever watches it
which response that was; if the same page (or another one) also shows which
code was just used, or which trainee just put their phone down, the two can
be paired. So what is tied to a single response is only ever revealed for a
batch of at least k responses at once (k: :func:`group_size_of`), in an order
unrelated to arrival (the responses' random ids), without times. Counts may
change one at a time: a count says nothing about which response is new.
Figures (charts, scores, reports, raw exports) may not: while a programme is
open they are drawn from whole batches only (:func:`figures_scope`), or a
figure before and after one response would give that response's answers.

docs/anonymity.md lists the guarantees and the tests that prove them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from survey.models import Answer, Programme, ProgrammeStatus, Question, Response
from survey.services.aggregates import FREE_TEXT_KINDS, Scope, counted
from survey.services.published import PublishedProgramme


def group_size_of(programme: Programme | PublishedProgramme) -> int:
    """The programme's minimum group size k: the fewest responses anything
    tied to single responses is shown for (a batch of comments, a batch of
    used codes): the programme's own setting, as the reports apply it
    (reports.disclosure)."""
    return programme.minimum_group_size


def listed_count(programme: Programme, stored: int) -> int:
    """How many of ``stored`` responses anything tied to single responses may
    show: whole batches of k, and while the programme is open not the latest
    of them. The k to 2k - 1 held back while open mean that what is shown just
    before closing and what is shown after (every response) differ by k or
    more, whenever the organiser closes; closed, no batch is held back."""
    k = group_size_of(programme)
    held_back = 0 if programme.status in FINISHED else 1
    return max(stored // k - held_back, 0) * k


def in_whole_batches(programme: Programme, stored: int) -> Select[uuid.UUID]:
    """The ids of the programme's responses that :func:`listed_count` lets
    show, the batches cut in arrival order (``stored``: how many responses the
    programme has, excluded ones included): what the figures, the responses
    browser and the comments page draw from. The ids say nothing of arrival,
    so a page listing them in the order of their ids shows which batch came
    last, never which response."""
    return (
        select(Response.id)
        .where(Response.programme_id == programme.id)
        .order_by(Response.submitted_at, Response.id)
        .limit(listed_count(programme, stored))
    )


#: Statuses in which a programme takes no more answers: its figures are drawn
#: from every response (the small-group rule still holds under k).
FINISHED = frozenset({ProgrammeStatus.CLOSED.value, ProgrammeStatus.ARCHIVED.value})


def figures_scope(session: Session, programme: Programme) -> Scope:
    """The responses staff figures may be drawn from (charts, scores, NPS,
    distributions, comments, the API's summary, reports and raw exports).

    While the programme is open: its whole batches of k but the last
    (:func:`in_whole_batches` with one batch held back), so that a new
    response changes no figure until k of them have come, then k at once,
    and so that between the figures seen just before closing and the final
    ones (every response) lie k to 2k - 1 responses, never one trainee's
    alone, whenever the organiser closes. None (every response) once it is
    closed or archived, when no more come and the total is known, and while
    fewer than k count, when the small-group rule shows nothing but their
    number (reports.disclosure).

    Without it, a figure moves by exactly one response's answers: whoever saw
    a trainee send would read what they answered by difference.
    """
    if programme.status in FINISHED:
        return None
    stored, kept = session.execute(
        select(func.count(Response.id), func.count(Response.id).filter(counted())).where(
            Response.programme_id == programme.id
        )
    ).one()
    if int(kept or 0) < group_size_of(programme):
        return None  # under k the small-group rule shows the count alone, of every response
    return Response.id.in_(in_whole_batches(programme, int(stored or 0)))


def batch_times(session: Session, programme: Programme, *, rest_apart: bool = False) -> dict[uuid.UUID, datetime]:
    """The time each response of the programme is shown with in raw data: the
    time of the last response of its batch.

    Batches of k are cut in arrival order (excluded responses included, so
    that excluding one moves no other); the few past the last whole batch join
    it, so every batch holds k to 2k - 1 responses (a programme under k is one
    batch). Someone who saw a trainee send at 10:32 then finds k or more
    responses at that batch's time, never theirs alone. With ``rest_apart``
    (raw data of an open programme, which gives whole batches only) the few
    form a batch of their own instead, so that a whole batch's time does not
    move while they wait.
    """
    k = group_size_of(programme)
    arrivals = session.execute(
        select(Response.id, Response.submitted_at)
        .where(Response.programme_id == programme.id)
        .order_by(Response.submitted_at, Response.id)
    ).all()
    last_batch = -(-len(arrivals) // k) - 1 if rest_apart else len(arrivals) // k - 1
    last_batch = max(last_batch, 0)
    batches: list[list[tuple[uuid.UUID, datetime]]] = [[] for _ in range(last_batch + 1)]
    for place, (response_id, submitted_at) in enumerate(arrivals):
        batches[min(place // k, last_batch)].append((response_id, submitted_at))
    return {response_id: batch[-1][1] for batch in batches for response_id, _time in batch}


@dataclass(frozen=True)
class RoomComment:
    """A comment as the dashboard and the projector show it: no time."""

    question: str
    #: The language the trainee answered in; "" where fewer than k revealed
    #: responses share it (a label would point at the few who speak it).
    language: str
    #: As typed by the trainee: show it as text, never as markup.
    text: str


def room_comments(session: Session, programme: Programme, limit: int) -> tuple[RoomComment, ...]:
    """The latest comments revealed to the room, batch by batch.

    The responses with a comment are cut, in arrival order, into batches of k;
    only complete batches are shown, and while the programme is open not the
    latest of them (as :func:`figures_scope` holds back the latest batch of
    figures: the comments seen before closing and those of the final report
    then differ by k or more): the latest batch shown, and the ones before it
    as long as their comments fit within ``limit`` (the latest batch is shown
    whole, even beyond ``limit``). Within what is shown, comments are ordered
    by their response's random id, then by question, never by arrival.
    """
    k = group_size_of(programme)
    rows = session.execute(
        select(Response.id, Response.language, Question.code, Question.position, Answer.text)
        .join(Answer, Answer.response_id == Response.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Response.programme_id == programme.id, counted(), Question.kind.in_(FREE_TEXT_KINDS))
        .order_by(Response.submitted_at, Response.id)
    ).all()
    arrival: list[uuid.UUID] = []
    by_response: dict[uuid.UUID, list[tuple[str, int, str, str]]] = {}
    for response_id, language, code, position, text in rows:
        if response_id not in by_response:
            arrival.append(response_id)
            by_response[response_id] = []
        by_response[response_id].append((code, position, language, text or ""))
    complete = listed_count(programme, len(arrival))
    shown: list[uuid.UUID] = []
    for end in range(complete, 0, -k):
        batch = arrival[end - k : end]
        size = sum(len(by_response[r]) for r in (*shown, *batch))
        if shown and size > limit:
            break
        shown.extend(batch)
    languages = Counter(by_response[r][0][2] for r in shown)
    out = []
    for response_id in sorted(shown):
        for code, _position, language, text in sorted(by_response[response_id], key=lambda c: (c[1], c[0])):
            out.append(RoomComment(code, language if languages[language] >= k else "", text))
    return tuple(out)
