"""SQLite: the response writer's statements, and writers taking turns.

SQLite lets one writer in at a time. A writer that finds the database locked
sleeps and tries again (SQLite's busy handler, with ever longer sleeps)
while a trainee's write holds the lock for far less than one sleep, so under
load the workers slept more than they worked. Writers therefore queue first
on a lock of their own (WriterTurns): a thread lock inside the process and
flock() on a file beside the database across processes, so the kernel wakes
the next writer as soon as the lock is released. The response writer takes a
turn for each response (survey.storage); other writers take one through
survey.storage.engines.write_intent. Anything else relies on SQLite's busy
timeout, which stays the safety net.

The write-ahead log is copied back into the database (a checkpoint) every
CHECKPOINT_EVERY turns, after the turn is released: SQLite's own automatic
checkpoint runs inside the COMMIT that crosses its threshold, so with the
turn held, and every writer of every worker would wait while it copies and
syncs the file.

Values are stored as SQLAlchemy's types store them on SQLite, so that rows
written here and rows written through the ORM read back alike: UUIDs as 32
hexadecimal digits, times in UTC as ISO text with microseconds, booleans as
0 and 1 (tests/storage checks it by reading them back through the models).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

NAME = "sqlite"
IntegrityError = sqlite3.IntegrityError


def store_uuid(value: uuid.UUID) -> str:
    return value.hex


def store_time(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use datetime.now(UTC)")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


QUESTION_IDS = "SELECT code, id FROM questions WHERE questionnaire_id = ?"
FIND = "SELECT id, programme_id FROM responses WHERE idempotency_key = ?"
_RESPONSE = (
    "INSERT INTO responses (id, programme_id, questionnaire_id, submitted_at, language,"
    " idempotency_key, source, paper_number, excluded)"
    " SELECT :id, programmes.id, :questionnaire_id, :submitted_at, :language,"
    " :idempotency_key, :source, :paper_number, 0 FROM programmes WHERE programmes.id = :programme_id"
)
_IF_CURRENT = " AND programmes.revision = :revision AND programmes.created_at = :created_at"
_IF_NEW_KEY = " ON CONFLICT (idempotency_key) DO NOTHING"
INSERT_RESPONSE = _RESPONSE + _IF_NEW_KEY
INSERT_RESPONSE_IF_CURRENT = _RESPONSE + _IF_CURRENT + _IF_NEW_KEY
INSERT_ANSWERS = "INSERT INTO answers (response_id, question_id, item, number, text) VALUES (?, ?, ?, ?, ?)"
CODES = "SELECT id, code, used, revealed FROM access_codes WHERE programme_id = ? ORDER BY id"
DELETE_CODES = "DELETE FROM access_codes WHERE programme_id = ?"
INSERT_CODES = "INSERT INTO access_codes (id, programme_id, code, used, revealed) VALUES (?, ?, ?, ?, ?)"


def question_ids(connection: sqlite3.Connection, questionnaire_id: int) -> dict[str, int]:
    return dict(connection.execute(QUESTION_IDS, (questionnaire_id,)).fetchall())


def find(connection: sqlite3.Connection, idempotency_key: str) -> tuple[uuid.UUID, int] | None:
    row = connection.execute(FIND, (idempotency_key,)).fetchone()
    return None if row is None else (uuid.UUID(hex=row[0]), int(row[1]))


def insert_response(
    connection: sqlite3.Connection, values: dict[str, Any], version: tuple[int, datetime] | None
) -> bool:
    """Insert the response row, if the programme exists (and is still at ``version``)
    and no response has this idempotency key. Whether a row went in."""
    params = {**values, "id": store_uuid(values["id"]), "submitted_at": store_time(values["submitted_at"])}
    if version is None:
        return connection.execute(INSERT_RESPONSE, params).rowcount == 1
    params.update(revision=version[0], created_at=store_time(version[1]))
    return connection.execute(INSERT_RESPONSE_IF_CURRENT, params).rowcount == 1


def insert_answers(
    connection: sqlite3.Connection, response_id: uuid.UUID, rows: Sequence[tuple[int, str, int | None, str | None]]
) -> None:
    key = store_uuid(response_id)
    connection.executemany(INSERT_ANSWERS, [(key, *row) for row in rows])


def lock_programme(connection: sqlite3.Connection, programme_id: int) -> None:
    """Nothing: BEGIN IMMEDIATE already keeps every other writer out."""


def codes(connection: sqlite3.Connection, programme_id: int) -> list[tuple[int, str, bool, bool]]:
    return [(row[0], row[1], bool(row[2]), bool(row[3])) for row in connection.execute(CODES, (programme_id,))]


def rewrite_codes(
    connection: sqlite3.Connection, programme_id: int, rows: Sequence[tuple[int, str, bool, bool]]
) -> None:
    """Rows of (id, code, used, revealed), written again in that order."""
    connection.execute(DELETE_CODES, (programme_id,))
    values = [(id_, programme_id, code, int(used), int(revealed)) for id_, code, used, revealed in rows]
    connection.executemany(INSERT_CODES, values)


def begin(connection: sqlite3.Connection) -> None:
    # IMMEDIATE: the write lock is taken now, so the transaction cannot fail
    # to upgrade a read lock when another worker wrote in between.
    connection.execute("BEGIN IMMEDIATE")


def commit(connection: sqlite3.Connection) -> None:
    connection.execute("COMMIT")


def rollback(connection: sqlite3.Connection) -> None:
    if connection.in_transaction:
        connection.execute("ROLLBACK")


class WriterTurns:
    """One write transaction at a time for one SQLite database file."""

    #: Turns taken in a process between two checkpoints it runs.
    CHECKPOINT_EVERY = 100

    def __init__(self, database_path: str | None) -> None:
        #: None for an in-memory database: one process, so the thread lock is enough.
        self.lock_path = f"{database_path}-writer" if database_path else None
        self.checkpoint_every = self.CHECKPOINT_EVERY
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0
        self._since_checkpoint = 0
        self._checkpointing = threading.Lock()

    @property
    def taken(self) -> bool:
        """Whether a thread of this process holds the turn."""
        return self._threads.locked()

    def acquire(self) -> None:
        self._threads.acquire()
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        self._since_checkpoint += 1  # still under the thread lock
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def checkpoint_if_due(self, checkpoint: Callable[[], object]) -> None:
        """Run ``checkpoint`` once enough turns were taken; by one thread at a time, others go on."""
        if self.lock_path is None or self._since_checkpoint < self.checkpoint_every:
            return
        if not self._checkpointing.acquire(blocking=False):
            return
        try:
            self._since_checkpoint = 0
            checkpoint()
        finally:
            self._checkpointing.release()

    def _file(self) -> int | None:
        # Opened in each process: a descriptor inherited across fork() shares its
        # flock with the parent's, so it would not keep the two apart.
        if self.lock_path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd
