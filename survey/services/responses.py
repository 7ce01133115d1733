"""Store a trainee's response: one transaction, once, whatever the network does."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Engine, Table, bindparam, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.extensions import write_intent
from survey.models import AccessMode, Answer, Programme, Question, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services import DomainError, NotAccepting
from survey.services.codes import CodeRefused, consume_code
from survey.services.published import ProgrammeChanged, PublishedProgramme, check_stamp, out_of_date
from survey.services.sqlite_send import DriverStatement, insert_response_and_answers


class SubmittedAnswer(NamedTuple):
    """One answer of a response, as the forms give it (a named tuple: one per answer)."""

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
    # Everything the write needs is worked out before it waits for its turn
    # (SQLite has one writer at a time: the less it holds the turn, the better).
    rows = _NewRows.build(
        session,
        target,
        answers,
        language=language,
        idempotency_key=idempotency_key,
        source=source,
        paper_number=paper_number,
    )
    if session.in_transaction():
        # The questions' ids were read (once per version and worker): end that
        # read without expiring the caller's objects, as a rollback would.
        session.commit()
    if _sent_on_sqlite_driver(session, target, rows):
        return Receipt(response_id=rows.response_id, duplicate=False)
    with write_intent():
        try:
            return _write(session, target, rows, access_code)
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

    @property
    def checked_by_insert(self) -> PublishedProgramme | None:
        """The copy the response's own insert checks (the common path: one statement less), if any."""
        return self.copy if self.accepting and not self.needs_code else None


def _stamp_params(copy: PublishedProgramme) -> dict[str, Any]:
    """The parameters of the insert that checks ``copy`` is still the programme's current revision."""
    revision, created_at = copy.stamp[1:]
    return {"stamp_revision": revision, "stamp_created_at": created_at}


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


class _NewRows(NamedTuple):
    """The rows of a new response, worked out before the writer's turn (on SQLite
    the answers already as the driver takes them)."""

    response_id: uuid.UUID
    idempotency_key: str
    #: Parameters of the response's insert (without the copy's stamp).
    response: dict[str, Any]
    #: Parameters of the answers' insert: a dict of lists (PostgreSQL) or a list of tuples (SQLite).
    answers: Any

    @classmethod
    def build(
        cls,
        session: Session,
        target: _Target,
        answers: Sequence[SubmittedAnswer],
        *,
        language: str,
        idempotency_key: str,
        source: str,
        paper_number: int | None,
    ) -> _NewRows:
        question_ids = _question_ids(session, target)
        response_id = uuid.uuid4()
        response = {
            "id": response_id,
            "programme_id": target.programme_id,
            "questionnaire_id": target.questionnaire_id,
            "submitted_at": datetime.now(UTC),
            "language": language,
            "idempotency_key": idempotency_key,
            "source": source,
            "paper_number": paper_number,
            "excluded": False,
        }
        ids = [question_ids[a.question_code] for a in answers]
        values = [a.value for a in answers]
        dialect = session.get_bind().dialect
        if dialect.name == "sqlite":
            # In the order of _ANSWER_COLUMNS; only the response id needs converting (checked once).
            key = _sqlite_statements(dialect).answers.convert("response_id", response_id)
            rows = [(key, q, v.item, v.number, v.text) for q, v in zip(ids, values, strict=True)]
            return cls(response_id, idempotency_key, response, rows)
        return cls(
            response_id,
            idempotency_key,
            response,
            {
                "response_id": [response_id] * len(values),
                "question_id": ids,
                "item": [v.item for v in values],
                "number": [v.number for v in values],
                "text": [v.text for v in values],
            },
        )


def _sent_on_sqlite_driver(session: Session, target: _Target, rows: _NewRows) -> bool:
    """Store a first send to an open programme on SQLite the cheap way (see
    survey.services.sqlite_send). False, with nothing stored, when this is not
    that case or it was not stored: _write works out the rest."""
    bind = session.get_bind()
    # A session bound to a connection (a test's outer transaction) writes in that transaction.
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return False
    copy = target.checked_by_insert
    if copy is None:
        return False
    statements = _sqlite_statements(bind.dialect)
    params = {**rows.response, **_stamp_params(copy)}
    return insert_response_and_answers(
        bind,
        (statements.response_if_current.sql, statements.response_if_current.values(params)),
        (statements.answers.sql, rows.answers),
    )


def _write(session: Session, target: _Target, rows: _NewRows, access_code: str | None) -> Receipt:
    # A worker's copy is checked in this transaction: on the common path by
    # the insert of the response itself (one round trip less), else first.
    checked_by_insert = target.checked_by_insert
    if target.copy is not None and checked_by_insert is None:
        check_stamp(session, target.copy)
    if not target.accepting:
        # A re-send of a response stored before closing still gets its receipt.
        existing = _find(session, rows.idempotency_key)
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
            existing = _find(session, rows.idempotency_key)
            if existing is not None:
                return _receipt_for_existing(existing, target.programme_id)
            raise
    stamp = None if checked_by_insert is None else _stamp_params(checked_by_insert)
    try:
        if _insert_response(session, rows.response, stamp) != 1:
            # Nothing inserted: a response with this key is stored already (a
            # re-sent form, or one another worker stored first), or the copy is out of date.
            existing = _find(session, rows.idempotency_key)
            session.rollback()
            if existing is not None:
                return _receipt_for_existing(existing, target.programme_id)
            if checked_by_insert is not None:
                raise out_of_date(checked_by_insert)
            raise DomainError("the response was neither stored nor found; send it again")
        if rows.answers:
            _insert_answers(session, rows.answers)
        session.commit()
    except IntegrityError:
        # Another unique rule (a paper form's number); or, should the key's
        # response have been removed meanwhile, nothing to give a receipt for.
        session.rollback()
        existing = _find(session, rows.idempotency_key)
        if existing is None:
            raise
        return _receipt_for_existing(existing, target.programme_id)
    return Receipt(response_id=rows.response_id, duplicate=False)


# Built once: every response runs them, and building a statement and its cache
# key cost more than SQLite took to run it.
_FIND = select(Response.id, Response.programme_id).where(Response.idempotency_key == bindparam("key"))
# Table inserts, not ORM ones: nothing here needs the unit of work, which cost
# as much as the statements themselves.
_responses = cast(Table, Response.__table__)
_programmes = cast(Table, Programme.__table__)
_RESPONSE_COLUMNS = (
    "id",
    "programme_id",
    "questionnaire_id",
    "submitted_at",
    "language",
    "idempotency_key",
    "source",
    "paper_number",
    "excluded",
)


def _response_inserts(dialect_module: Any) -> tuple[Any, Any]:
    """The response's insert, and the same inserted only if the programme is
    still at the stamp of the worker's copy the answers were checked against
    (see survey.services.published).

    A second copy of an idempotency key inserts nothing rather than failing on
    the unique key: PostgreSQL logs every failed statement as an error, and a
    re-sent form is no error. preserve_rowcount: psycopg's rowcount is gone
    once the cursor is closed.
    """
    current = select(*(bindparam(name, type_=_responses.c[name].type) for name in _RESPONSE_COLUMNS)).where(
        _programmes.c.id == bindparam("programme_id"),
        _programmes.c.revision == bindparam("stamp_revision"),
        _programmes.c.created_at == bindparam("stamp_created_at"),
    )
    key = [_responses.c.idempotency_key]
    return (
        dialect_module.insert(_responses)
        .on_conflict_do_nothing(index_elements=key)
        .execution_options(preserve_rowcount=True),
        dialect_module.insert(_responses)
        .from_select(_RESPONSE_COLUMNS, current)
        .on_conflict_do_nothing(index_elements=key)
        .execution_options(preserve_rowcount=True),
    )


_INSERT_RESPONSE, _INSERT_RESPONSE_IF_CURRENT = _response_inserts(postgresql)
_SQLITE_INSERT_RESPONSE, _SQLITE_INSERT_RESPONSE_IF_CURRENT = _response_inserts(sqlite)
_INSERT_ANSWERS = insert(cast(Table, Answer.__table__))
_ANSWER_COLUMNS = ("response_id", "question_id", "item", "number", "text")
# PostgreSQL: every answer in one statement, from one array per column.
# psycopg's executemany sends and accounts for each row by itself, which cost
# more than the rest of the transaction (bench: 0.94 ms against 0.48 ms of
# client CPU per transaction of 26 answers). SQLite's executemany runs in C.
_INSERT_ANSWERS_FROM_ARRAYS = text(
    "INSERT INTO answers (response_id, question_id, item, number, text) "
    "SELECT * FROM unnest(CAST(:response_id AS uuid[]), CAST(:question_id AS integer[]), "
    "CAST(:item AS varchar[]), CAST(:number AS integer[]), CAST(:text AS text[]))"
)


def _insert_response(session: Session, values: dict[str, Any], stamp: dict[str, Any] | None) -> int:
    """Insert the response row; with a stamp, only if the programme is still at it. The rows inserted."""
    params = values if stamp is None else {**values, **stamp}
    dialect = session.get_bind().dialect
    result: Any
    if dialect.name == "sqlite":
        driver = _sqlite_statements(dialect)
        statement = driver.response if stamp is None else driver.response_if_current
        result = session.connection().exec_driver_sql(statement.sql, statement.values(params))
    else:
        result = session.execute(_INSERT_RESPONSE if stamp is None else _INSERT_RESPONSE_IF_CURRENT, params)
    return int(result.rowcount)


def _insert_answers(session: Session, rows: Any) -> None:
    dialect = session.get_bind().dialect
    if dialect.name == "sqlite":
        # One executemany of rows converted before the turn: SQLAlchemy's own
        # executemany converts each row while the writer holds SQLite's only turn.
        session.connection().exec_driver_sql(_sqlite_statements(dialect).answers.sql, rows)
    else:
        session.execute(_INSERT_ANSWERS_FROM_ARRAYS, rows)


class _SqliteStatements(NamedTuple):
    response: DriverStatement
    response_if_current: DriverStatement
    answers: DriverStatement


@functools.cache
def _sqlite_statements(dialect: Dialect) -> _SqliteStatements:
    answers = DriverStatement(_INSERT_ANSWERS, dialect, _ANSWER_COLUMNS)
    if not answers.converts_only("response_id"):  # _NewRows.build converts only that one
        raise RuntimeError("an answers column now needs converting for SQLite: see _NewRows.build")
    return _SqliteStatements(
        DriverStatement(_SQLITE_INSERT_RESPONSE, dialect, _RESPONSE_COLUMNS),
        DriverStatement(_SQLITE_INSERT_RESPONSE_IF_CURRENT, dialect),
        answers,
    )


def _find(session: Session, idempotency_key: str) -> tuple[uuid.UUID, int] | None:
    row = session.execute(_FIND, {"key": idempotency_key}).first()
    return None if row is None else (row[0], row[1])


def _receipt_for_existing(existing: tuple[uuid.UUID, int], programme_id: int) -> Receipt:
    response_id, stored_programme_id = existing
    if stored_programme_id != programme_id:
        raise KeyReused("this form key was already used for another programme")
    return Receipt(response_id=response_id, duplicate=True)
