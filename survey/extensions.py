"""Unbound singletons, bound to an application by ``create_app``."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, current_app, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import StaticPool

from survey.sqlite_writer import WriterTurns

_log = logging.getLogger(__name__)


class Database:
    """A SQLAlchemy engine and a request-scoped session for one application.

    Plain SQLAlchemy rather than Flask-SQLAlchemy so that models, services and
    tests use the 2.0 API directly (``select()``, ``session.execute``).
    """

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._test_connection: Connection | None = None
        # scoped_session takes any session factory; its stubs only name sessionmaker.
        self.session: scoped_session[Session] = scoped_session(cast("sessionmaker[Session]", self._new_session))

    def _new_session(self) -> Session:
        if self._test_connection is not None:
            # Join the test's outer transaction: a service's commit() only releases a savepoint.
            return Session(bind=self._test_connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        return Session(bind=self.engine, expire_on_commit=False)

    def bind_to_connection(self, connection: Connection | None) -> None:
        """Tests: make new sessions join ``connection`` (None to go back to the app's engine)."""
        self.session.remove()
        self._test_connection = connection

    @property
    def engine(self) -> Engine:
        """The engine of the current application (the last one bound, outside a request)."""
        if has_app_context() and "survey.db" in current_app.extensions:
            return current_app.extensions["survey.db"]  # type: ignore[no-any-return]
        if self._engine is None:
            raise RuntimeError("the database is not bound to an application yet")
        return self._engine

    def init_app(self, app: Flask) -> None:
        self._engine = app.extensions["survey.db"] = make_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each backend needs.

    SQLite gets WAL (readers never block the writer), a busy timeout so that
    concurrent gunicorn workers wait instead of failing, and foreign keys on.
    """
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in {"sqlite://", "sqlite:///:memory:"}:
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        database = engine.url.database
        _WRITER_TURNS[engine] = WriterTurns(None if database in {None, "", ":memory:"} else database)
    return engine


@dataclass
class _WriteIntent:
    #: The SQLite writers' turn this unit of work holds, if it has begun writing.
    turn: WriterTurns | None = None
    #: The engine of that turn, for the checkpoint that may follow it.
    engine: Engine | None = None


#: Set while a unit of work that will write is running; see write_intent().
_WRITE_INTENT: ContextVar[_WriteIntent | None] = ContextVar("survey_write_intent", default=None)
_WRITER_TURNS: weakref.WeakKeyDictionary[Engine, WriterTurns] = weakref.WeakKeyDictionary()


@contextmanager
def write_intent() -> Iterator[None]:
    """Mark the transactions begun inside as writers.

    On SQLite they start with BEGIN IMMEDIATE: a transaction that reads first
    and writes later could otherwise fail to upgrade its lock when another
    worker wrote in between. They also wait for their turn first (see
    survey.sqlite_writer), which is held until the block ends: keep inside
    only the transaction. PostgreSQL needs nothing.
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
        if intent.turn is not None and intent.engine is not None:
            _end_turn(intent.turn, intent.engine)


@contextmanager
def sqlite_writer_turn(engine: Engine) -> Iterator[None]:
    """Hold the writers' turn of a SQLite engine for a write made on the driver's
    own connection, which SQLAlchemy's begin event (see write_intent) never sees.

    Keep inside only the transaction. Not inside write_intent: its turn would be
    taken twice (and the thread lock is not reentrant).
    """
    if _WRITE_INTENT.get() is not None:
        raise RuntimeError("sqlite_writer_turn inside write_intent would wait for itself")
    turns = _WRITER_TURNS.get(engine)
    if turns is None:
        raise ValueError("not a SQLite engine made by make_engine")
    turns.acquire()
    try:
        yield
    finally:
        _end_turn(turns, engine)


def _end_turn(turns: WriterTurns, engine: Engine) -> None:
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
    if intent.turn is None and turns is not None:
        turns.acquire()
        intent.turn, intent.engine = turns, connection.engine
    connection.exec_driver_sql("BEGIN IMMEDIATE")


#: SQLite's automatic checkpoint threshold, in pages of 4 KB (its default is 1000).
_AUTOCHECKPOINT_PAGES = 4000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Checkpoints follow the writers' turns (survey.sqlite_writer); SQLite's own,
    # run inside a COMMIT, stays as a net for writers outside them, at 16 MB.
    cursor.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
    cursor.close()


db = Database()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
