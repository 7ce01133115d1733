"""Raw responses stream from the database in submission order, one response at
a time, in one query; excluded responses and other programmes' never appear;
the exports built from them open with the right rows."""

from __future__ import annotations

import csv
import inspect
import io
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import event

from reports.documents import ReportSource, writer
from survey.extensions import db
from survey.models import Programme, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services import aggregates
from survey.services.demo import DEMO_SESSIONS
from survey.services.exports import raw_responses
from survey.services.programmes import create_programme
from survey.services.responses import submit_response
from survey.storage import SubmittedAnswer

START = datetime(2025, 3, 7, 15, 0, tzinfo=UTC)


def respond(programme: Programme, minute: int, lang: str = "fr", source: str = "web", **answers: Any) -> str:
    """Store one response submitted ``minute`` minutes after START.

    ``code=number``, ``code="text"``, ``code={item: number}`` or ``code=[options]``.
    """
    values = []
    for code, value in answers.items():
        if isinstance(value, dict):
            values += [SubmittedAnswer(code, AnswerValue(str(item), number=n)) for item, n in value.items()]
        elif isinstance(value, list):
            values += [SubmittedAnswer(code, AnswerValue(option, number=1)) for option in value]
        elif isinstance(value, int):
            values.append(SubmittedAnswer(code, AnswerValue("", number=value)))
        else:
            values.append(SubmittedAnswer(code, AnswerValue("", text=value)))
    session = db.session()
    receipt = submit_response(
        session, programme, values, language=lang, idempotency_key=uuid.uuid4().hex, source=source
    )
    session.get_one(Response, receipt.response_id).submitted_at = START + timedelta(minutes=minute)
    session.commit()
    return str(receipt.response_id)


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run on the test's connection while the block runs."""
    seen: list[str] = []
    connection = db.session().connection()

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_raw_responses_is_a_generator_reading_one_query(programme: Programme) -> None:
    for minute in range(3):
        respond(programme, minute, cq_relevance=4, comment_useful="Bien")
    session = db.session()
    with statements() as seen:
        stream = raw_responses(session, programme)
        assert inspect.isgenerator(stream)
        assert seen == []  # nothing read before the first response is asked for
        first = next(stream)
        rest = list(stream)
    assert len(seen) == 1
    assert first.values == {"cq_relevance": 4, "comment_useful": "Bien"}
    assert len(rest) == 2


def test_each_response_comes_in_wide_form(programme: Programme) -> None:
    sessions = [s.id for s in programme.sessions]
    response_id = respond(
        programme,
        5,
        "ar",
        "kiosk",
        cq_relevance=5,
        recommend=9,
        session_usefulness={sessions[0]: 4, sessions[2]: 2},
        ba_knowledge={"before": 2, "after": 4},
        helpful_formats=["workshops", "case_studies"],
        attended_before="no",
        comment_useful="كان البرنامج مفيدًا جدًا",
    )
    (raw,) = raw_responses(db.session(), programme)
    assert raw.response_id == response_id
    assert raw.submitted_at == START + timedelta(minutes=5)
    assert raw.submitted_at.tzinfo is not None
    assert (raw.language, raw.source) == ("ar", "kiosk")
    assert raw.values == {
        "cq_relevance": 5,
        "recommend": 9,
        f"session_usefulness__{sessions[0]}": 4,
        f"session_usefulness__{sessions[2]}": 2,
        "ba_knowledge__before": 2,
        "ba_knowledge__after": 4,
        "helpful_formats__workshops": 1,
        "helpful_formats__case_studies": 1,
        "attended_before": "no",
        "comment_useful": "كان البرنامج مفيدًا جدًا",
    }


def test_responses_come_in_submission_order(programme: Programme) -> None:
    late = respond(programme, 30, cq_relevance=1)
    early = respond(programme, 1, cq_relevance=2)
    middle = respond(programme, 10, cq_relevance=3)
    got = [(r.response_id, r.values["cq_relevance"]) for r in raw_responses(db.session(), programme)]
    assert got == [(early, 2), (middle, 3), (late, 1)]


def test_excluded_responses_never_appear(programme: Programme) -> None:
    kept = respond(programme, 1, cq_relevance=5)
    dropped = respond(programme, 2, cq_relevance=1, comment_useful="TEST, ignore")
    session = db.session()
    session.get_one(Response, uuid.UUID(dropped)).excluded = True
    session.commit()
    assert [r.response_id for r in raw_responses(session, programme)] == [kept]


def test_other_programmes_responses_never_appear(programme: Programme) -> None:
    session = db.session()
    other = create_programme(
        session,
        slug="dakar",
        title="Autre",
        questionnaire=programme.questionnaire,
        sessions=DEMO_SESSIONS[:1],
    )
    other.status = "open"
    session.commit()
    mine = respond(programme, 1, cq_relevance=5)
    respond(other, 2, cq_relevance=1)
    assert [r.response_id for r in raw_responses(session, programme)] == [mine]


def test_a_response_without_answers_still_comes(programme: Programme) -> None:
    empty = respond(programme, 1)
    (raw,) = raw_responses(db.session(), programme)
    assert (raw.response_id, dict(raw.values)) == (empty, {})


def test_batches_do_not_split_a_response(programme: Programme) -> None:
    for minute in range(5):
        respond(
            programme, minute, cq_relevance=4, cq_clarity=3, recommend=minute, ba_knowledge={"before": 1, "after": 3}
        )
    session = db.session()
    whole = list(raw_responses(session, programme))
    assert list(raw_responses(session, programme, batch_rows=3)) == whole
    assert len(whole) == 5
    assert all(len(r.values) == 5 for r in whole)


@pytest.fixture
def answered(programme: Programme) -> dict[str, str]:
    """Four responses: French, Arabic, hostile, and one excluded."""
    ids = {
        "fr": respond(programme, 1, cq_relevance=5, comment_useful="Les études de cas, très concrètes"),
        "ar": respond(programme, 2, "ar", cq_relevance=4, comment_useful="تبادل الخبرات بين الزملاء"),
        "hostile": respond(programme, 3, cq_relevance=4, comment_useful='=HYPERLINK("http://x","click")'),
        "excluded": respond(programme, 4, cq_relevance=1, comment_useful="TEST"),
    }
    session = db.session()
    session.get_one(Response, uuid.UUID(ids["excluded"])).excluded = True
    session.commit()
    return ids


def export(programme: Programme, name: str, lang: str = "fr") -> bytes:
    session = db.session()
    data = aggregates.programme_data(session, programme, with_rows=True)
    out = io.BytesIO()
    writer(name)(ReportSource(data, lambda: raw_responses(session, programme)), lang, out)
    return out.getvalue()


def test_workbook_from_the_database(app: Flask, programme: Programme, answered: dict[str, str]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(export(programme, "xlsx")))
    rows = list(book["Réponses"].iter_rows(values_only=True))
    header = rows[0]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert list(by_id) == [answered["fr"], answered["ar"], answered["hostile"]]
    assert by_id[answered["fr"]]["comment_useful"] == "Les études de cas, très concrètes"
    assert by_id[answered["ar"]]["comment_useful"] == "تبادل الخبرات بين الزملاء"
    # As typed, no visible apostrophe: a quote-prefix style keeps it text (issue 16).
    assert by_id[answered["hostile"]]["comment_useful"] == '=HYPERLINK("http://x","click")'
    assert by_id[answered["fr"]]["cq_relevance"] == 5
    assert all(cell.data_type != "f" for ws in book for row in ws.iter_rows() for cell in row)
    facts = {row[0]: row[1] for row in book["Synthèse"].iter_rows(values_only=True)}
    assert facts["Réponses retenues"] == 3


def test_csv_from_the_database(app: Flask, programme: Programme, answered: dict[str, str]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(export(programme, "csv", "ar")))
    rows = list(csv.DictReader(io.StringIO(archive.read("answers.csv").decode("utf-8-sig"), newline="")))
    assert [row["response_id"] for row in rows] == [answered["fr"], answered["ar"], answered["hostile"]]
    assert rows[1]["comment_useful"] == "تبادل الخبرات بين الزملاء"
    assert rows[2]["comment_useful"] == '\'=HYPERLINK("http://x","click")'
    assert answered["excluded"] not in archive.read("answers.csv").decode("utf-8-sig")
    codebook = archive.read("codebook.csv").decode("utf-8-sig")
    assert "كان المحتوى وثيق الصلة بعملي." in codebook  # the Arabic question text
    assert "Le contenu était pertinent pour mon travail." in codebook  # and the French one
