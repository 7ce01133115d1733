"""The raw answers of a programme, one response at a time, for the raw-data exports.

A workbook of 100,000 responses must not hold 100,000 responses in memory:
:func:`raw_responses` reads the long-format answers in one query ordered by
response, a batch of rows at a time (a server-side cursor where the database has one), and
hands each response on in wide form as soon as its last answer has been read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from reports.data import RawResponse
from survey.models import Answer, Programme, Question, Response
from survey.services.aggregates import Scope, counted
from survey.services.anonymity import batch_times

#: Answer rows fetched per round trip (about 30 per response with the default questionnaire).
BATCH_ROWS = 5000


def raw_responses(
    session: Session, programme: Programme, *, batch_rows: int = BATCH_ROWS, only: Scope = None
) -> Iterator[RawResponse]:
    """Yield the programme's responses that count (never an excluded one) and
    that ``only`` keeps (while a programme is open, its whole batches of k:
    survey.services.anonymity.figures_scope), in
    the order of their random ids (never of arrival), each with the time of
    its batch of k (survey.services.anonymity.batch_times), with ``values`` keyed as
    :func:`reports.data.raw_columns` names the columns: a number for scale
    points and ticked options, the text for choices and comments.

    A generator: nothing is read until the first response is asked for, and
    the query stays open until the last one is (or the generator is closed).
    A response without any answer still comes, with empty ``values``.
    """
    query = (
        select(
            # The id as the database stores it, made a UUID once per response
            # rather than once per answer: converted for every answer, it was a
            # large share of the export's time.
            type_coerce(Response.id, String),
            Response.submitted_at,
            Response.language,
            Response.source,
            Question.code,
            Answer.item,
            Answer.number,
            Answer.text,
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .outerjoin(Question, Question.id == Answer.question_id)
        .where(Response.programme_id == programme.id, counted())
        .order_by(Response.id)
        .execution_options(yield_per=batch_rows)
    )
    if only is not None:
        query = query.where(only)
    times = batch_times(session, programme, rest_apart=only is not None)
    result = session.execute(query)
    current: tuple[Any, datetime, str, str] | None = None
    values: dict[str, int | str] = {}
    try:
        for key, submitted_at, language, source, code, item, number, text in result:
            if current is None or key != current[0]:
                if current is not None:
                    yield _raw(current, values, times)
                current, values = (key, submitted_at, language, source), {}
            value = number if number is not None else text
            if code is not None and value is not None:  # None: the outer join's row of a response without answers
                values[f"{code}__{item}" if item else code] = value
        if current is not None:
            yield _raw(current, values, times)
    finally:
        result.close()


def _raw(
    response: tuple[Any, datetime, str, str], values: dict[str, int | str], times: dict[uuid.UUID, datetime]
) -> RawResponse:
    key, submitted_at, language, source = response
    # The id as the database gave it: a uuid, or its text where the database has no uuid type.
    response_id = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
    return RawResponse(str(response_id), times.get(response_id, submitted_at), language, source, values)
