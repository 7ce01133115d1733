"""A trainee's new response on SQLite, written on the driver's own connection.

SQLite lets one writer in at a time, so under load what a write costs around
its SQL is paid by every trainee waiting behind it. SQLAlchemy's session,
pool events and transaction bookkeeping cost more CPU than the two inserts
(in the application 1.54-1.59 against 1.74-1.75 ms per trainee, `python -m
bench.wsgi_cpu`; under gunicorn 2.7 against 2.9 ms of server CPU and 536-540
against 487-491 trainees/s, `python -m bench --seconds 10 --databases sqlite
--concurrency 32`; each alternated twice, see bench/README.md).

The common case, a first send to an open programme, is written here: BEGIN
IMMEDIATE, the response's insert, its answers' executemany, COMMIT, in the
writers' turn. Whatever else can happen (a re-send, an out-of-date copy, a
row a constraint refuses) leaves nothing stored and is worked out again by
survey.services.responses, in SQLAlchemy.

The values are the ones SQLAlchemy would send: each statement is compiled by
SQLAlchemy and its values converted by the column types' own bind processors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

from survey.extensions import sqlite_writer_turn


class DriverStatement:
    """A statement compiled once for one dialect, whose values are converted
    for the driver by the column types' own bind processors (the very values
    SQLAlchemy would send), so that they can be converted ahead of time."""

    def __init__(self, statement: Any, dialect: Dialect, columns: Sequence[str] = ()) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns) or None)
        self.sql = str(compiled)
        self._names = tuple(compiled.positiontup or ())
        self._processors = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in self._names
        )

    def convert(self, name: str, value: Any) -> Any:
        process = self._processors[self._names.index(name)]
        return value if process is None else process(value)

    def converts_only(self, *names: str) -> bool:
        pairs = zip(self._names, self._processors, strict=True)
        return all(process is None or name in names for name, process in pairs)

    def values(self, params: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(
            params[name] if process is None else process(params[name])
            for name, process in zip(self._names, self._processors, strict=True)
        )


def insert_response_and_answers(
    engine: Engine,
    response: tuple[str, tuple[Any, ...]],
    answers: tuple[str, list[tuple[Any, ...]]],
) -> bool:
    """Insert a response row, then its answer rows, in one transaction of their own.

    ``response`` and ``answers`` are (SQL, driver values). True once committed;
    False, with nothing stored, when the response's insert inserted nothing or
    a constraint refused a row: the caller works out why. Any other error rolls
    back and is raised.
    """
    pooled = engine.raw_connection()
    try:
        connection = cast(sqlite3.Connection, pooled.driver_connection)
        with sqlite_writer_turn(engine):
            connection.execute("BEGIN IMMEDIATE")
            try:
                stored = connection.execute(*response).rowcount == 1
                if stored and answers[1]:
                    connection.executemany(*answers)
                connection.execute("COMMIT" if stored else "ROLLBACK")
            except sqlite3.IntegrityError:
                connection.execute("ROLLBACK")
                return False
            except BaseException:
                _roll_back(pooled)
                raise
    finally:
        pooled.close()
    return stored


def _roll_back(pooled: Any) -> None:
    """Leave no transaction open on a connection going back to the pool."""
    connection: sqlite3.Connection = pooled.driver_connection
    try:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
    except sqlite3.Error:
        pooled.invalidate()  # the pool opens a new one rather than reuse this one
