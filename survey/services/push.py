"""Push from the field: a programme's new responses sent to the central service through its JSON API.

A field instance configured with the central's address and a token
(``SURVEY_CENTRAL_URL``, ``SURVEY_CENTRAL_TOKEN``; the token's owner on the
central is granted the programme there, with the read and submit scopes) sends
each response the central has not acknowledged yet to the central's submit
endpoint (docs/api.md), under the response's own form key as its
Idempotency-Key. The central must know the programme first, under the same
short name and questionnaire: the organiser imports its file there once
(survey.services.bundles); a push then adds what came since.

- Idempotent: a response the central holds already answers "already there"
  and is stored there once, however often it is sent.
- Resumable: each acknowledgement is recorded here (survey.models.PushedResponse,
  committed every :data:`BATCH` responses and when the run stops), so the next
  run sends only what is left; one lost in an interruption is sent again and
  the central answers "already there".
- Stops cleanly at the first network failure or refusal of the whole
  programme (token revoked, programme unknown there, not open there) and says
  what was sent and what is left.
- Anonymity (docs/anonymity.md): the API takes no submission time, so the
  central dates each response when it arrives; responses are sent in the
  order of their random form keys, never of arrival, so the central's times
  and batches say nothing of the order trainees answered in. The original
  (batch) times travel only in the programme's file.
- Not sent, and counted as kept here: excluded responses (the exclusion is a
  judgement the API cannot carry) and paper forms (the API takes none); the
  programme's file moves them. A programme in "codes" mode is not pushed: the
  API asks each trainee's code, which this service never keeps with a response.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from survey.models import AccessMode, Answer, Programme, PushedResponse, Question, Response, User
from survey.questionnaire.definition import iter_questions, kind_of
from survey.questionnaire.kinds import FormContext
from survey.services import audit
from survey.services.central import Central, Unreachable
from survey.storage.engines import write_intent

#: Responses whose answers are read, and whose acknowledgements are committed, at once.
BATCH = 50
#: Refusals of the whole programme, by the central's problem type: the push stops.
_STOPS = {
    "unauthorized": "unauthorized",
    "insufficient-scope": "insufficient_scope",
    "not-found": "unknown_programme",
    "not-accepting": "not_accepting",
    "too-many-requests": "rate_limited",
    "code-refused": "codes_mode",
}


@dataclass(frozen=True)
class Stop:
    """Why a push stopped before the end: ``reason`` (below) and the central's own words.

    Reasons: not_configured, codes_mode, unreachable, unauthorized,
    insufficient_scope, unknown_programme, not_accepting, questionnaire_differs,
    rate_limited, central_error.
    """

    reason: str
    #: The central's problem detail, in the language asked for, or the network's error.
    detail: str = ""
    #: Seconds to wait, for rate_limited.
    retry_after: str = ""


@dataclass
class PushReport:
    slug: str
    central: str
    #: Stored by the central in this run.
    sent: int = 0
    #: The central had them already (sent before an interruption, or carried by the programme's file).
    already_there: int = 0
    #: Answers the central refused (another questionnaire version, a key of another programme): left here.
    refused: int = 0
    #: Still to send after this run (the refused included).
    left: int = 0
    #: Excluded responses and paper forms, which only the programme's file moves.
    kept_here: int = 0
    stop: Stop | None = None
    #: Problem details of refused responses, at most a few, for the log.
    refusals: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.stop is None and self.left == 0


def push_programme(
    session: Session,
    programme: Programme,
    central: Central,
    actor: User | str,
    *,
    limit: int | None = None,
    patience: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> PushReport:
    """Send ``programme``'s responses the central has not acknowledged, at most ``limit`` of them.

    When the central's rate limit answers 429, wait as its Retry-After says
    (``sleep``), as long as the waits add up to at most ``patience`` seconds;
    beyond, stop (rate_limited). A run that sent anything is in the audit log
    (``push``, with the counts and the central's address). Never raises for
    the central's or the network's sake: a stop is in the report (``stop``),
    with what was sent before it.
    """
    report = PushReport(programme.slug, central.url)
    sendable = _sendable(programme, central.url)
    report.kept_here = (
        session.scalar(
            select(func.count()).select_from(Response).where(Response.programme_id == programme.id, ~_pushable())
        )
        or 0
    )
    pending = list(session.scalars(select(Response.id).where(sendable).order_by(Response.idempotency_key)))
    report.left = len(pending)
    if not pending:
        return report
    if programme.access_mode == AccessMode.CODES.value:
        report.stop = Stop("codes_mode")
        return report
    try:
        renames = _session_renames(programme, central)
    except _Stopped as stopped:
        report.stop = stopped.stop
        return report
    slug = programme.slug
    multiple = frozenset(
        q["code"] for _, _, q in iter_questions(programme.questionnaire.definition) if kind_of(q).multiple
    )
    todo = pending if limit is None else pending[:limit]
    waits = _Patience(patience, sleep)
    for start in range(0, len(todo), BATCH):
        chunk = todo[start : start + BATCH]
        bodies = _bodies(session, chunk, renames, multiple)
        session.rollback()  # no read transaction held open while the network answers
        acknowledged: list[uuid.UUID] = []
        try:
            for response_id, (key, body) in bodies.items():
                _send(central, slug, key, body, report, acknowledged, response_id, waits)
        except _Stopped as stopped:
            report.stop = stopped.stop
        finally:
            _record(session, acknowledged, central.url)
            report.left -= len(acknowledged)
        if report.stop is not None:
            break
    if report.sent or report.already_there:
        detail = f"{report.sent} sent, {report.already_there} already there, {report.left} left; {central.url}"
        audit.record(session, actor, "push", programme, detail[:200])
    return report


class _Patience:
    """Waits asked by the central's rate limit, up to a total of ``seconds``."""

    def __init__(self, seconds: float, sleep: Callable[[float], None]) -> None:
        self.left = seconds
        self.sleep = sleep

    def wait(self, retry_after: str) -> bool:
        """Sleep as asked and say True, or say False when that would pass the total."""
        try:
            seconds = max(1.0, float(retry_after))
        except ValueError:
            seconds = 60.0
        if seconds > self.left:
            return False
        self.left -= seconds
        self.sleep(seconds)
        return True


class _Stopped(Exception):
    def __init__(self, stop: Stop) -> None:
        self.stop = stop


def _pushable() -> Any:
    return Response.source.in_(("web", "kiosk")) & ~Response.excluded


def _sendable(programme: Programme, central: str) -> Any:
    acknowledged = exists().where(PushedResponse.response_id == Response.id, PushedResponse.central == central)
    return (Response.programme_id == programme.id) & _pushable() & ~acknowledged


def _send(
    central: Central,
    slug: str,
    key: str,
    body: dict[str, Any],
    report: PushReport,
    acknowledged: list[uuid.UUID],
    response_id: uuid.UUID,
    waits: _Patience,
) -> None:
    while True:
        try:
            answer = central.submit(slug, key, body)
        except Unreachable as error:
            raise _Stopped(Stop("unreachable", str(error))) from None
        if answer.status != 429 or not waits.wait(answer.retry_after):
            break
    if answer.status in (200, 201):
        acknowledged.append(response_id)
        if answer.status == 201:
            report.sent += 1
        else:
            report.already_there += 1
        return
    if answer.problem in _STOPS or answer.status >= 500 or answer.status in (401, 403, 404):
        reason = _STOPS.get(answer.problem, "central_error" if answer.status >= 500 else "unauthorized")
        raise _Stopped(Stop(reason, answer.detail, answer.retry_after))
    report.refused += 1  # this response only: the next may go
    if len(report.refusals) < 5:
        report.refusals.append(f"{answer.status} {answer.problem}: {answer.detail}")


def _session_renames(programme: Programme, central: Central) -> dict[str, str]:
    """This service's per-session variable names -> the central's (sessions are told apart by
    their place in the programme, as in the programme's file); _Stopped if the central's
    questionnaire differs or it cannot be asked."""
    try:
        answer = central.codebook(programme.slug)
    except Unreachable as error:
        raise _Stopped(Stop("unreachable", str(error))) from None
    if answer.status != 200:
        reason = _STOPS.get(answer.problem, "central_error" if answer.status >= 500 else "unauthorized")
        raise _Stopped(Stop(reason, answer.detail, answer.retry_after))
    theirs: dict[str, list[str]] = {}
    for variable in answer.body.get("variables", []):
        theirs.setdefault(str(variable.get("question", "")), []).append(str(variable.get("item", "")))
    ctx = FormContext(sessions=tuple((s.id, s.title, s.kind) for s in programme.sessions))
    renames: dict[str, str] = {}
    for _, _, question in iter_questions(programme.questionnaire.definition):
        code, kind = question["code"], kind_of(question)
        if code not in theirs:
            raise _Stopped(Stop("questionnaire_differs", code))
        if not kind.per_session:
            continue
        ours = kind.item_keys(question, ctx)
        if len(ours) != len(theirs[code]):
            raise _Stopped(Stop("questionnaire_differs", code))
        renames.update({f"{code}__{a}": f"{code}__{b}" for a, b in zip(ours, theirs[code], strict=True)})
    return renames


def _bodies(
    session: Session, ids: Sequence[uuid.UUID], renames: dict[str, str], multiple: frozenset[str]
) -> dict[uuid.UUID, tuple[str, dict[str, Any]]]:
    """Each response's Idempotency-Key and the submit body, as the API takes answers
    (a multiple choice by its question code with the options ticked)."""
    rows = session.execute(
        select(Response.id, Response.idempotency_key, Response.language, Response.source)
        .where(Response.id.in_(ids))
        .order_by(Response.idempotency_key)
    ).all()
    answers: dict[uuid.UUID, dict[str, Any]] = {row.id: {} for row in rows}
    for response_id, code, item, number, text in session.execute(
        select(Answer.response_id, Question.code, Answer.item, Answer.number, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id.in_(ids))
        .order_by(Answer.response_id, Question.position, Answer.item)
    ):
        given = answers[response_id]
        if code in multiple:
            given.setdefault(code, []).append(item)
            continue
        name = f"{code}__{item}" if item else code
        given[renames.get(name, name)] = number if number is not None else text
    return {
        row.id: (
            _uuid_key(row.idempotency_key),
            {"answers": answers[row.id], "language": row.language, "source": row.source},
        )
        for row in rows
    }


def _uuid_key(key: str) -> str:
    """The form key as a UUID, as the API's Idempotency-Key header takes it; the central
    stores it back as the same 32 hex digits. A key that is no UUID (none the forms make)
    is derived from it, the same each time."""
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "survey-response:" + key))


def _record(session: Session, acknowledged: list[uuid.UUID], central: str) -> None:
    """Commit what the central acknowledged (one transaction per batch: the push's progress)."""
    if not acknowledged:
        return
    with write_intent():
        session.add_all(PushedResponse(response_id=rid, central=central) for rid in acknowledged)
        session.commit()


def pending_count(session: Session, programme: Programme, central: str) -> int:
    """How many of the programme's responses a push would send to ``central``."""
    return session.scalar(select(func.count()).select_from(Response).where(_sendable(programme, central))) or 0
