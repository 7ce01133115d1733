"""Engines with what each database needs, and SQLite's writers taking turns.

The only place besides the response writer's own modules that knows which
database it talks to.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from survey.storage import sqlite
from survey.storage.sqlite import WriterTurns

_log = logging.getLogger(__name__)

#: FULL: each COMMIT waits until the write-ahead log is on the disk, so a
#: response the trainee saw acknowledged survives a power cut (with NORMAL the
#: last ones could be lost). bench/durability.py measures what it costs.
SQLITE_SYNCHRONOUS = "FULL"
#: SQLite's automatic checkpoint threshold, in pages of 4 KB (its default is 1000).
_AUTOCHECKPOINT_PAGES = 4000
#: Each SQLite engine's writer turns; weak, so a disposed engine takes its lock file descriptor along.
_WRITER_TURNS: weakref.WeakKeyDictionary[Engine, WriterTurns] = weakref.WeakKeyDictionary()


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each database needs.

    SQLite gets WAL (readers never block the writer), a busy timeout so that
    concurrent gunicorn workers wait instead of failing, foreign keys on, and
    writer turns (survey.storage.sqlite).
    """
    kwargs: dict[str, Any] = {}
    is_sqlite = url.startswith("sqlite")
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in {"sqlite://", "sqlite:///:memory:"}:
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        database = engine.url.database
        on_disk = database not in {None, "", ":memory:"}
        if on_disk:
            _keep_private(str(database))
        _WRITER_TURNS[engine] = WriterTurns(database if on_disk else None)
    return engine


def _keep_private(path: str) -> None:
    """The database file readable by its owner only (SQLite gives its log the same mode).

    It holds every answer: another account on the laptop or server has no
    business reading it.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def statements_for(engine: Engine) -> ModuleType:
    """The module of the response writer's statements for this engine's database."""
    if engine.dialect.name == sqlite.NAME:
        return sqlite
    # Imported here: psycopg is installed with the postgres extra only.
    from survey.storage import postgresql

    return postgresql


def writer_turns(engine: Engine) -> WriterTurns | None:
    """The writers' turns of a SQLite engine made by make_engine; None elsewhere."""
    return _WRITER_TURNS.get(engine)


@dataclass
class _WriteIntent:
    #: The SQLite writers' turn this unit of work holds, if it has begun writing.
    turns: WriterTurns | None = None
    #: The engine of that turn, for the checkpoint that may follow it.
    engine: Engine | None = None


#: Set while a unit of work that will write is running; see write_intent().
_WRITE_INTENT: ContextVar[_WriteIntent | None] = ContextVar("survey_write_intent", default=None)


@contextmanager
def write_intent() -> Iterator[None]:
    """Mark the ORM transactions begun inside as writers.

    On SQLite they start with BEGIN IMMEDIATE: a transaction that reads first
    and writes later could otherwise fail to upgrade its lock when another
    worker wrote in between. They also wait for their turn first, which is
    held until the block ends: keep inside only the transaction. PostgreSQL
    needs nothing.
    """
    if _WRITE_INTENT.get() is not None:  # nested: the outer block holds the turn
        yield
        return
    intent = _WriteIntent()
    token = _WRITE_INTENT.set(intent)
    try:
        yield
    finally:
        _WRITE_INTENT.reset(token)
        if intent.turns is not None and intent.engine is not None:
            end_turn(intent.turns, intent.engine)


def take_turn(engine: Engine) -> WriterTurns | None:
    """Wait for this engine's writers' turn (SQLite); None where there is none to take.

    Not inside write_intent: the turn would be taken twice (the lock is not reentrant).
    """
    turns = _WRITER_TURNS.get(engine)
    if turns is None:
        return None
    if _WRITE_INTENT.get() is not None:
        raise RuntimeError("a writer's turn taken inside write_intent would wait for itself")
    turns.acquire()
    return turns


def end_turn(turns: WriterTurns, engine: Engine) -> None:
    turns.release()
    turns.checkpoint_if_due(lambda: checkpoint_wal(engine))


def checkpoint_wal(engine: Engine) -> None:
    """Copy the write-ahead log back into the SQLite file, without blocking writers.

    PASSIVE: it copies what no reader still needs and leaves the rest for next time.
    """
    try:
        connection = engine.raw_connection()
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
    except Exception:  # the write it follows is stored: never fail it for this
        _log.warning("checkpoint of the SQLite write-ahead log failed; SQLite's own will run", exc_info=True)


def _sqlite_begin(connection: Any) -> None:
    # pysqlite's own transaction handling is off (see _sqlite_pragmas): we emit BEGIN,
    # which also makes SAVEPOINT work as documented.
    intent = _WRITE_INTENT.get()
    if intent is None:
        connection.exec_driver_sql("BEGIN")
        return
    turns = _WRITER_TURNS.get(connection.engine)
    if intent.turns is None and turns is not None:
        turns.acquire()
        intent.turns, intent.engine = turns, connection.engine
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Checkpoints follow the writers' turns; SQLite's own, run inside a COMMIT,
    # stays as a net for writers outside them.
    cursor.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
    cursor.close()
