"""The one door through which a response is stored: :func:`store_response`.

Every response goes through it, whoever sends it: the trainee form, the kiosk,
paper forms typed in, the demo loader, imports and the tests. It decides, in
one transaction, what happens to a response, and says so:

- stored: the response and all its answers were written, and committed;
- already stored: a response with the same idempotency key exists (a double
  tap, a re-sent POST); nothing was written and its id is returned;
- refused: nothing was written, and the reason says why (the programme closed
  or changed since the answers were checked, a code refused, a paper number
  taken, a key used for another programme).

Path of a response: survey.storage (this module: the decision) ->
survey.storage.sqlite or survey.storage.postgresql (the statements, on the
driver's own connection; the dialect is chosen once per engine in
survey.storage.engines). No other module knows which database it talks to.

The transaction is the door's own when given an engine. Given a connection
already in a transaction (the tests' outer one), the door writes in a
savepoint of it instead, with the very same statements.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine

from survey.caches import QUESTION_IDS
from survey.questionnaire.kinds import AnswerValue
from survey.storage.engines import end_turn, statements_for, take_turn
from survey.storage.sqlite import WriterTurns

#: Names one stored questionnaire version for good: (id, code, version, creation time).
QuestionnaireKey = tuple[int, str, int, datetime]


class Mode(enum.Enum):
    #: A response sent now: the programme must take answers, and it is dated now.
    LIVE = "live"
    #: A response brought in from elsewhere (a programme moved from another
    #: service): it keeps its original time, whatever the programme's state.
    IMPORT = "import"


class Outcome(enum.Enum):
    STORED = "stored"
    ALREADY_STORED = "already_stored"
    REFUSED = "refused"


class Refusal(enum.Enum):
    #: The programme does not take answers now.
    CLOSED = "closed"
    #: The programme changed (or went) since the answers were checked against it.
    PROGRAMME_CHANGED = "programme_changed"
    #: The idempotency key belongs to another programme's response.
    KEY_OF_ANOTHER_PROGRAMME = "key_of_another_programme"
    CODE_MISSING = "code_missing"
    #: Unknown, or another programme's code: one answer for both.
    CODE_UNKNOWN = "code_unknown"
    CODE_USED = "code_used"
    #: A paper form with this number was typed in already.
    PAPER_NUMBER_TAKEN = "paper_number_taken"


class SubmittedAnswer(NamedTuple):
    """One answer of a response, as the forms give it (a named tuple: one per answer)."""

    question_code: str
    value: AnswerValue


@dataclass(frozen=True)
class Destination:
    """The programme a response goes to, as the answers were checked against it."""

    programme_id: int
    questionnaire_id: int
    questionnaire_key: QuestionnaireKey
    #: Whether the programme takes answers now (it was open and within its times).
    accepting: bool
    #: (revision, creation time) of the programme the answers were checked
    #: against, when that was a copy that may be out of date: the response is
    #: then stored only if the programme is still at this version.
    version: tuple[int, datetime] | None = None


@dataclass(frozen=True)
class NewResponse:
    """A validated response: every answer names a question of the destination's questionnaire."""

    destination: Destination
    answers: Sequence[SubmittedAnswer]
    language: str
    #: Minted when the form was first shown; the same key stores one response.
    idempotency_key: str
    #: "web", "kiosk" or "paper".
    source: str = "web"
    #: The number printed on a paper form typed in (unique per programme).
    paper_number: int | None = None
    #: The invitation code this response uses up, in canonical form ("" when
    #: none was typed); None when the programme needs none.
    access_code: str | None = None
    #: How many used codes staff learn of at once (the programme's minimum
    #: group size): a used code is revealed only with at least this many others.
    reveal_codes_by: int = 1
    #: When it was first submitted; required in IMPORT mode, now otherwise.
    submitted_at: datetime | None = None
    #: The id it had where it was first stored (IMPORT mode only): exports name it so.
    response_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StoreResult:
    outcome: Outcome
    #: The response's id, stored now or before.
    response_id: uuid.UUID | None = None
    refusal: Refusal | None = None


def store_response(bind: Engine | Connection, new: NewResponse, mode: Mode = Mode.LIVE) -> StoreResult:
    """Store ``new`` once, in one transaction, and say what happened.

    Raises ValueError for an answer naming no question of the questionnaire
    (the caller validates), and the database's own error for anything else
    that goes wrong, with nothing stored.
    """
    if mode is Mode.IMPORT and (new.submitted_at is None or new.access_code is not None):
        raise ValueError("an imported response keeps its time and uses no code")
    engine = bind if isinstance(bind, Engine) else bind.engine
    sql = statements_for(engine)
    with _Transaction(bind, sql) as transaction:
        values, answers = _rows(new, _question_ids(transaction.connection, sql, new.destination), mode)
        transaction.begin()
        return _write(transaction, sql, new, mode, values, answers)


def _rows(
    new: NewResponse, question_ids: dict[str, int], mode: Mode
) -> tuple[dict[str, Any], list[tuple[int, str, int | None, str | None]]]:
    try:
        answers = [(question_ids[a.question_code], a.value.item, a.value.number, a.value.text) for a in new.answers]
    except KeyError as exc:
        raise ValueError(f"no question {exc} in this questionnaire") from None
    values = {
        "id": new.response_id if mode is Mode.IMPORT and new.response_id else uuid.uuid4(),
        "programme_id": new.destination.programme_id,
        "questionnaire_id": new.destination.questionnaire_id,
        "submitted_at": new.submitted_at if mode is Mode.IMPORT else datetime.now(UTC),
        "language": new.language,
        "idempotency_key": new.idempotency_key,
        "source": new.source,
        "paper_number": new.paper_number,
    }
    return values, answers


def _write(
    transaction: _Transaction,
    sql: ModuleType,
    new: NewResponse,
    mode: Mode,
    values: dict[str, Any],
    answers: list[tuple[int, str, int | None, str | None]],
) -> StoreResult:
    connection = transaction.connection
    if mode is Mode.LIVE and not new.destination.accepting:
        transaction.rollback()
        # A re-send of a response stored before closing still gets its receipt.
        return _stored_before(sql, connection, new) or _refused(Refusal.CLOSED)
    if mode is Mode.LIVE and new.access_code is not None:
        refusal = _use_code(sql, connection, new.destination.programme_id, new.access_code, new.reveal_codes_by)
        if refusal is not None:
            transaction.rollback()
            # A re-sent form whose first copy used the code.
            return _stored_before(sql, connection, new) or _refused(refusal)
    try:
        if not sql.insert_response(connection, values, new.destination.version):
            transaction.rollback()
            # A response with this key is stored already, or the programme changed or went.
            return _stored_before(sql, connection, new) or _refused(Refusal.PROGRAMME_CHANGED)
        if answers:
            sql.insert_answers(connection, values["id"], answers)
        transaction.commit()
    except sql.IntegrityError:
        transaction.rollback()
        stored_before = _stored_before(sql, connection, new)
        if stored_before is not None:
            return stored_before
        if new.paper_number is not None:  # the only unique rule left: the paper form's number
            return _refused(Refusal.PAPER_NUMBER_TAKEN)
        raise
    return StoreResult(Outcome.STORED, values["id"])


def _refused(refusal: Refusal) -> StoreResult:
    return StoreResult(Outcome.REFUSED, refusal=refusal)


def _stored_before(sql: ModuleType, connection: Any, new: NewResponse) -> StoreResult | None:
    found = sql.find(connection, new.idempotency_key)
    if found is None:
        return None
    response_id, programme_id = found
    if programme_id != new.destination.programme_id:
        return _refused(Refusal.KEY_OF_ANOTHER_PROGRAMME)
    return StoreResult(Outcome.ALREADY_STORED, response_id)


def _use_code(sql: ModuleType, connection: Any, programme_id: int, code: str, batch: int) -> Refusal | None:
    """Mark ``code`` used, or say why not; reveal the used codes to staff once
    at least ``batch`` of them wait to be.

    Marking the row alone is not enough: a database also records *how* a row
    changed. On PostgreSQL an UPDATE writes a new row version stamped with
    the transaction id (``xmin``, the same as the response inserted with it)
    at the end of the table, so a plain ``SELECT *`` would list used codes in
    the order they were used. So the programme's codes are deleted and
    written again in id order, the used one marked: afterwards all of them
    carry the same transaction id and the same physical order whichever code
    was used.
    """
    if not code:
        return Refusal.CODE_MISSING
    sql.lock_programme(connection, programme_id)
    rows = sql.codes(connection, programme_id)
    used = {row_code: row_used for _id, row_code, row_used, _revealed in rows}
    if code not in used:
        return Refusal.CODE_UNKNOWN
    if used[code]:
        return Refusal.CODE_USED
    marked = [(id_, c, was_used or c == code, revealed) for id_, c, was_used, revealed in rows]
    waiting = sum(1 for _id, _c, now_used, revealed in marked if now_used and not revealed)
    if waiting >= batch:
        marked = [(id_, c, now_used, now_used) for id_, c, now_used, _revealed in marked]
    sql.rewrite_codes(connection, programme_id, marked)
    return None


def _question_ids(connection: Any, sql: ModuleType, destination: Destination) -> dict[str, int]:
    ids = QUESTION_IDS.get(destination.questionnaire_key)
    if ids is None:
        ids = QUESTION_IDS.put(
            destination.questionnaire_key, sql.question_ids(connection, destination.questionnaire_id)
        )
    return ids


class _Transaction:
    """One transaction on the driver's connection: its own, taken from the
    engine's pool (with SQLite's writer turn), or a savepoint of the
    transaction a given connection is in."""

    _SAVEPOINT = "store_response"

    def __init__(self, bind: Engine | Connection, sql: ModuleType) -> None:
        self._bind = bind
        self._sql = sql
        self._pooled: Any = None
        self._turns: WriterTurns | None = None
        self._open = False
        self.connection: Any = None

    def __enter__(self) -> _Transaction:
        if isinstance(self._bind, Engine):
            self._pooled = self._bind.raw_connection()
            self.connection = self._pooled.driver_connection
        else:
            self.connection = self._bind.connection.driver_connection
        return self

    def begin(self) -> None:
        if isinstance(self._bind, Engine):
            self._turns = take_turn(self._bind)
            self._sql.begin(self.connection)
        else:
            self.connection.execute(f"SAVEPOINT {self._SAVEPOINT}")
        self._open = True

    def commit(self) -> None:
        if isinstance(self._bind, Engine):
            self._sql.commit(self.connection)
        else:
            self.connection.execute(f"RELEASE SAVEPOINT {self._SAVEPOINT}")
        self._open = False
        self._end_turn()

    def rollback(self) -> None:
        self._open = False
        try:
            if isinstance(self._bind, Engine):
                self._sql.rollback(self.connection)
            else:
                self.connection.execute(f"ROLLBACK TO SAVEPOINT {self._SAVEPOINT}")
                self.connection.execute(f"RELEASE SAVEPOINT {self._SAVEPOINT}")
        finally:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._turns is not None:
            turns, self._turns = self._turns, None
            assert isinstance(self._bind, Engine)
            end_turn(turns, self._bind)

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._open:
                self.rollback()
        except Exception:
            if self._pooled is None:
                raise
            self._pooled.invalidate()  # the pool opens a new one rather than reuse this one
        finally:
            self._end_turn()
            if self._pooled is not None:
                self._pooled.close()
