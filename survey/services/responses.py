"""Store a trainee's response: one transaction, once, whatever the network does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.extensions import write_intent
from survey.models import AccessMode, Answer, Programme, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services import DomainError, NotAccepting
from survey.services.codes import CodeRefused, consume_code


@dataclass(frozen=True)
class SubmittedAnswer:
    question_code: str
    value: AnswerValue


@dataclass(frozen=True)
class Receipt:
    response_id: uuid.UUID
    #: True when this idempotency key had already been stored: nothing new was written.
    duplicate: bool


class KeyReused(DomainError):
    """An idempotency key that belongs to another programme's response."""


def submit_response(
    session: Session,
    programme: Programme,
    answers: Sequence[SubmittedAnswer],
    *,
    language: str,
    idempotency_key: str,
    source: str = "web",
    paper_number: int | None = None,
    access_code: str | None = None,
) -> Receipt:
    """Write one response and all its answers in a single transaction.

    A second call with the same ``idempotency_key`` (a double tap, a re-sent
    POST after a timeout) writes nothing and returns the first receipt. Raises
    NotAccepting when the programme is not open, KeyReused when the key was used
    for another programme. ``paper_number`` is the number printed on a typed-in
    paper form (unique per programme: a second use raises IntegrityError).

    A web response to a programme in "codes" mode uses up ``access_code`` in
    the same transaction (services.codes.consume_code); a code already used
    raises CodeUsed (CodeMissing, CodeUnknown) and nothing is stored, unless
    this very response holds it already (a re-send: the first receipt). Kiosk
    and paper responses need no code: an organiser vouches for them.
    """
    # End the request's read snapshot: the write runs in a transaction of its own.
    session.rollback()
    with write_intent():
        return _write(session, programme, answers, language, idempotency_key, source, paper_number, access_code)


def _write(
    session: Session,
    programme: Programme,
    answers: Sequence[SubmittedAnswer],
    language: str,
    idempotency_key: str,
    source: str,
    paper_number: int | None = None,
    access_code: str | None = None,
) -> Receipt:
    existing = _find(session, idempotency_key)
    if existing is not None:
        return _receipt_for_existing(existing, programme)
    if not programme.accepting(datetime.now(UTC)):
        raise NotAccepting(programme.status, programme)
    if programme.access_mode == AccessMode.CODES.value and source == "web":
        try:
            consume_code(session, programme, access_code or "")
        except CodeRefused:
            session.rollback()
            # A re-sent form whose first copy used the code while we waited for our turn.
            existing = _find(session, idempotency_key)
            if existing is not None:
                return _receipt_for_existing(existing, programme)
            raise
    question_ids = {question.code: question.id for question in programme.questionnaire.questions}
    response = Response(
        id=uuid.uuid4(),
        programme_id=programme.id,
        questionnaire_id=programme.questionnaire_id,
        language=language,
        idempotency_key=idempotency_key,
        source=source,
        paper_number=paper_number,
    )
    response.answers = [
        Answer(question_id=question_ids[a.question_code], item=a.value.item, number=a.value.number, text=a.value.text)
        for a in answers
    ]
    session.add(response)
    try:
        session.commit()
    except IntegrityError:
        # Two workers raced with the same key: the other one stored it first.
        session.rollback()
        existing = _find(session, idempotency_key)
        if existing is None:
            raise
        return _receipt_for_existing(existing, programme)
    return Receipt(response_id=response.id, duplicate=False)


def _find(session: Session, idempotency_key: str) -> tuple[uuid.UUID, int] | None:
    row = session.execute(
        select(Response.id, Response.programme_id).where(Response.idempotency_key == idempotency_key)
    ).first()
    return None if row is None else (row[0], row[1])


def _receipt_for_existing(existing: tuple[uuid.UUID, int], programme: Programme) -> Receipt:
    response_id, programme_id = existing
    if programme_id != programme.id:
        raise KeyReused("this form key was already used for another programme")
    return Receipt(response_id=response_id, duplicate=True)
