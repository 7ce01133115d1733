"""Store a trainee's response: one transaction, once, whatever the network does."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.extensions import write_intent
from survey.models import AccessMode, Answer, Programme, Question, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services import DomainError, NotAccepting
from survey.services.codes import CodeRefused, consume_code
from survey.services.published import ProgrammeChanged, PublishedProgramme, check_stamp


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
    programme: Programme | PublishedProgramme,
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

    The write runs in a transaction of its own. Given a worker's copy of the
    programme (survey.services.published), that transaction first checks the
    copy is still current and raises ProgrammeChanged if not: the answers
    were checked against a programme that no longer is.
    """
    # What the write needs, read before the rollback below expires the programme.
    target = _Target(
        programme_id=programme.id,
        questionnaire_id=programme.questionnaire_id,
        status=programme.status,
        accepting=programme.accepting(datetime.now(UTC)),
        needs_code=programme.access_mode == AccessMode.CODES.value and source == "web",
        questionnaire_key=programme.questionnaire_key,
        copy=programme if isinstance(programme, PublishedProgramme) else None,
    )
    # End the request's read snapshot, if any: the write runs in a transaction of its own.
    session.rollback()
    with write_intent():
        try:
            return _write(session, target, answers, language, idempotency_key, source, paper_number, access_code)
        except NotAccepting as exc:
            raise NotAccepting(exc.status, programme) from None
        except ProgrammeChanged:
            session.rollback()  # let other writers go at once
            raise


@dataclass(frozen=True)
class _Target:
    programme_id: int
    questionnaire_id: int
    status: str
    accepting: bool
    needs_code: bool
    #: Names one stored version for good (its id alone could come back after a delete).
    questionnaire_key: tuple[int, str, int, datetime]
    #: A worker's copy of the programme, to be checked in the write transaction;
    #: None for a programme the caller read from the database in this request.
    copy: PublishedProgramme | None


#: Question ids by questionnaire version: a stored version's questions never change.
_QUESTION_IDS: dict[tuple[int, str, int, datetime], dict[str, int]] = {}


def _question_ids(session: Session, target: _Target) -> dict[str, int]:
    ids = _QUESTION_IDS.get(target.questionnaire_key)
    if ids is None:
        rows = session.execute(
            select(Question.code, Question.id).where(Question.questionnaire_id == target.questionnaire_id)
        )
        ids = _QUESTION_IDS[target.questionnaire_key] = {row.code: row.id for row in rows}
    return ids


def _write(
    session: Session,
    target: _Target,
    answers: Sequence[SubmittedAnswer],
    language: str,
    idempotency_key: str,
    source: str,
    paper_number: int | None = None,
    access_code: str | None = None,
) -> Receipt:
    if target.copy is not None:
        check_stamp(session, target.copy)
    if not target.accepting:
        # A re-send of a response stored before closing still gets its receipt.
        existing = _find(session, idempotency_key)
        if existing is not None:
            return _receipt_for_existing(existing, target.programme_id)
        raise NotAccepting(target.status)
    # No look-up first: the unique idempotency key refuses a second copy (below),
    # so the common case, a new response, costs one statement less.
    if target.needs_code:
        try:
            consume_code(session, target.programme_id, access_code or "")
        except CodeRefused:
            session.rollback()
            # A re-sent form whose first copy used the code while we waited for our turn.
            existing = _find(session, idempotency_key)
            if existing is not None:
                return _receipt_for_existing(existing, target.programme_id)
            raise
    question_ids = _question_ids(session, target)
    response_id = uuid.uuid4()
    try:
        session.execute(
            _INSERT_RESPONSE,
            {
                "id": response_id,
                "programme_id": target.programme_id,
                "questionnaire_id": target.questionnaire_id,
                "submitted_at": datetime.now(UTC),
                "language": language,
                "idempotency_key": idempotency_key,
                "source": source,
                "paper_number": paper_number,
                "excluded": False,
            },
        )
        if answers:
            # One executemany for every answer, rather than an ORM flush per row.
            session.execute(
                _INSERT_ANSWERS,
                [
                    {
                        "response_id": response_id,
                        "question_id": question_ids[a.question_code],
                        "item": a.value.item,
                        "number": a.value.number,
                        "text": a.value.text,
                    }
                    for a in answers
                ],
            )
        session.commit()
    except IntegrityError:
        # Two workers raced with the same key: the other one stored it first.
        session.rollback()
        existing = _find(session, idempotency_key)
        if existing is None:
            raise
        return _receipt_for_existing(existing, target.programme_id)
    return Receipt(response_id=response_id, duplicate=False)


# Built once: every response runs them, and building a statement and its cache
# key cost more than SQLite took to run it.
_FIND = select(Response.id, Response.programme_id).where(Response.idempotency_key == bindparam("key"))
# Table inserts, not ORM ones: nothing here needs the unit of work, which cost
# as much as the statements themselves.
_INSERT_RESPONSE = insert(cast(Table, Response.__table__))
_INSERT_ANSWERS = insert(cast(Table, Answer.__table__))


def _find(session: Session, idempotency_key: str) -> tuple[uuid.UUID, int] | None:
    row = session.execute(_FIND, {"key": idempotency_key}).first()
    return None if row is None else (row[0], row[1])


def _receipt_for_existing(existing: tuple[uuid.UUID, int], programme_id: int) -> Receipt:
    response_id, stored_programme_id = existing
    if stored_programme_id != programme_id:
        raise KeyReused("this form key was already used for another programme")
    return Receipt(response_id=response_id, duplicate=True)
