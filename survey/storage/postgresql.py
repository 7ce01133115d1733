"""PostgreSQL: the response writer's statements, on psycopg's own connection.

psycopg adapts UUIDs, aware datetimes and lists (as arrays) by itself. A
response's answers go in as one statement fed by one array per column: an
executemany sends and accounts for each row on its own, which cost more than
the rest of the transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

NAME = "postgresql"
IntegrityError = psycopg.IntegrityError

QUESTION_IDS = "SELECT code, id FROM questions WHERE questionnaire_id = %s"
FIND = "SELECT id, programme_id FROM responses WHERE idempotency_key = %s"
_RESPONSE = (
    "INSERT INTO responses (id, programme_id, questionnaire_id, submitted_at, language,"
    " idempotency_key, source, paper_number, excluded)"
    " SELECT %(id)s, programmes.id, %(questionnaire_id)s, %(submitted_at)s, %(language)s,"
    " %(idempotency_key)s, %(source)s, %(paper_number)s, false FROM programmes"
    " WHERE programmes.id = %(programme_id)s"
)
_IF_CURRENT = " AND programmes.revision = %(revision)s AND programmes.created_at = %(created_at)s"
# A second copy of a key inserts nothing rather than failing on the unique
# key: PostgreSQL logs every failed statement as an error, and a re-sent form is no error.
_IF_NEW_KEY = " ON CONFLICT (idempotency_key) DO NOTHING"
INSERT_RESPONSE = _RESPONSE + _IF_NEW_KEY
INSERT_RESPONSE_IF_CURRENT = _RESPONSE + _IF_CURRENT + _IF_NEW_KEY
INSERT_ANSWERS = (
    "INSERT INTO answers (response_id, question_id, item, number, text)"
    " SELECT %s, * FROM unnest(%s::integer[], %s::varchar[], %s::integer[], %s::text[])"
)
# Submissions to one programme in codes mode take turns on its row, so a
# code sent twice at once is refused the second time.
LOCK_PROGRAMME = "SELECT id FROM programmes WHERE id = %s FOR NO KEY UPDATE"
CODES = "SELECT id, code, used, revealed FROM access_codes WHERE programme_id = %s ORDER BY id"
DELETE_CODES = "DELETE FROM access_codes WHERE programme_id = %s"
INSERT_CODES = "INSERT INTO access_codes (id, programme_id, code, used, revealed) VALUES (%s, %s, %s, %s, %s)"


def question_ids(connection: psycopg.Connection[Any], questionnaire_id: int) -> dict[str, int]:
    return dict(connection.execute(QUESTION_IDS, (questionnaire_id,)))


def find(connection: psycopg.Connection[Any], idempotency_key: str) -> tuple[uuid.UUID, int] | None:
    row = connection.execute(FIND, (idempotency_key,)).fetchone()
    return None if row is None else (row[0], int(row[1]))


def insert_response(
    connection: psycopg.Connection[Any], values: dict[str, Any], version: tuple[int, datetime] | None
) -> bool:
    """Insert the response row, if the programme exists (and is still at ``version``)
    and no response has this idempotency key. Whether a row went in."""
    if version is None:
        return connection.execute(INSERT_RESPONSE, values).rowcount == 1
    params = {**values, "revision": version[0], "created_at": version[1]}
    return connection.execute(INSERT_RESPONSE_IF_CURRENT, params).rowcount == 1


def insert_answers(
    connection: psycopg.Connection[Any],
    response_id: uuid.UUID,
    rows: Sequence[tuple[int, str, int | None, str | None]],
) -> None:
    question_ids, items, numbers, texts = (list(column) for column in zip(*rows, strict=True))
    connection.execute(INSERT_ANSWERS, (response_id, question_ids, items, numbers, texts))


def lock_programme(connection: psycopg.Connection[Any], programme_id: int) -> None:
    connection.execute(LOCK_PROGRAMME, (programme_id,))


def codes(connection: psycopg.Connection[Any], programme_id: int) -> list[tuple[int, str, bool, bool]]:
    rows = connection.execute(CODES, (programme_id,))
    return [(id_, code, bool(used), bool(revealed)) for id_, code, used, revealed in rows]


def rewrite_codes(
    connection: psycopg.Connection[Any], programme_id: int, rows: Sequence[tuple[int, str, bool, bool]]
) -> None:
    connection.execute(DELETE_CODES, (programme_id,))
    with connection.cursor() as cursor:
        cursor.executemany(INSERT_CODES, [(id_, programme_id, *row) for id_, *row in rows])


def begin(connection: psycopg.Connection[Any]) -> None:
    """Nothing: psycopg opens a transaction before the first statement."""


def commit(connection: psycopg.Connection[Any]) -> None:
    connection.commit()


def rollback(connection: psycopg.Connection[Any]) -> None:
    connection.rollback()
