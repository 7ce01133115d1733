"""The door itself (survey.storage.store_response): what it answers for each
case, and that a refused response leaves nothing behind, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey import storage
from survey.extensions import db
from survey.models import AccessCode, Answer, Programme, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services.codes import issue_codes
from survey.storage import Destination, Mode, NewResponse, Outcome, Refusal, SubmittedAnswer

ANSWERS = (
    SubmittedAnswer("cq_relevance", AnswerValue("", number=5)),
    SubmittedAnswer("ba_knowledge", AnswerValue("before", number=2)),
    SubmittedAnswer("ba_knowledge", AnswerValue("after", number=4)),
    SubmittedAnswer("comment_useful", AnswerValue("", text="مفيد جدًا")),
)


def _new(programme: Programme, **changes: object) -> NewResponse:
    destination = Destination(
        programme_id=programme.id,
        questionnaire_id=programme.questionnaire_id,
        questionnaire_key=programme.questionnaire_key,
        accepting=bool(changes.pop("accepting", True)),
        version=changes.pop("version", None),  # type: ignore[arg-type]
    )
    values: dict[str, object] = {
        "destination": destination,
        "answers": ANSWERS,
        "language": "ar",
        "idempotency_key": uuid.uuid4().hex,
    }
    values.update(changes)
    return NewResponse(**values)  # type: ignore[arg-type]


def _store(new: NewResponse, mode: Mode = Mode.LIVE) -> storage.StoreResult:
    return storage.store_response(db.session().get_bind(), new, mode)


def _counts() -> tuple[int, int]:
    session = db.session()
    return (
        int(session.scalar(select(func.count()).select_from(Response)) or 0),
        int(session.scalar(select(func.count()).select_from(Answer)) or 0),
    )


def test_a_new_response_is_stored_with_every_answer(programme: Programme) -> None:
    result = _store(_new(programme))
    assert result.outcome is Outcome.STORED
    stored = db.session.get(Response, result.response_id)
    assert stored is not None
    assert (stored.language, stored.source, stored.excluded) == ("ar", "web", False)
    assert {(a.item, a.number, a.text) for a in stored.answers} == {
        ("", 5, None),
        ("before", 2, None),
        ("after", 4, None),
        ("", None, "مفيد جدًا"),
    }


def test_the_same_key_twice_stores_once_and_names_the_first(programme: Programme) -> None:
    new = _new(programme)
    first, second = _store(new), _store(new)
    assert (first.outcome, second.outcome) == (Outcome.STORED, Outcome.ALREADY_STORED)
    assert second.response_id == first.response_id
    assert _counts() == (1, len(ANSWERS))


def test_a_closed_programme_refuses_a_new_response_but_names_one_stored_before(programme: Programme) -> None:
    new = _new(programme)
    _store(new)
    closed = _store(_new(programme, accepting=False))
    assert (closed.outcome, closed.refusal) == (Outcome.REFUSED, Refusal.CLOSED)
    resent = _store(_new(programme, accepting=False, idempotency_key=new.idempotency_key))
    assert resent.outcome is Outcome.ALREADY_STORED
    assert _counts() == (1, len(ANSWERS))


def test_a_programme_changed_since_the_answers_were_checked_refuses_them(programme: Programme) -> None:
    db.session.refresh(programme)
    current = (programme.revision, programme.created_at)
    outdated = _store(_new(programme, version=(programme.revision - 1, programme.created_at)))
    assert (outdated.outcome, outdated.refusal) == (Outcome.REFUSED, Refusal.PROGRAMME_CHANGED)
    assert _counts() == (0, 0)
    assert _store(_new(programme, version=current)).outcome is Outcome.STORED


def test_a_key_of_another_programme_is_refused(app: Flask, programme: Programme) -> None:
    new = _new(programme)
    _store(new)
    other = Destination(0, programme.questionnaire_id, programme.questionnaire_key, accepting=True)
    reused = _store(NewResponse(other, ANSWERS, "fr", new.idempotency_key))
    assert (reused.outcome, reused.refusal) == (Outcome.REFUSED, Refusal.KEY_OF_ANOTHER_PROGRAMME)


def test_a_code_is_used_once_and_only_for_its_programme(programme: Programme) -> None:
    code = issue_codes(db.session(), programme, 1)[0]
    assert _store(_new(programme, access_code="")).refusal is Refusal.CODE_MISSING
    assert _store(_new(programme, access_code="ZZZZZZZZ")).refusal is Refusal.CODE_UNKNOWN
    assert _store(_new(programme, access_code=code)).outcome is Outcome.STORED
    assert _store(_new(programme, access_code=code)).refusal is Refusal.CODE_USED
    assert db.session.scalars(select(AccessCode.used)).all() == [True]
    assert _counts() == (1, len(ANSWERS))


def test_a_paper_number_typed_twice_is_refused_the_second_time(programme: Programme) -> None:
    assert _store(_new(programme, source="paper", paper_number=7)).outcome is Outcome.STORED
    again = _store(_new(programme, source="paper", paper_number=7))
    assert (again.outcome, again.refusal) == (Outcome.REFUSED, Refusal.PAPER_NUMBER_TAKEN)
    assert _counts() == (1, len(ANSWERS))


def test_an_import_keeps_its_time_and_needs_no_open_programme(programme: Programme) -> None:
    then = datetime(2026, 11, 27, 15, 12, 30, 123456, tzinfo=UTC)
    result = _store(_new(programme, accepting=False, submitted_at=then), Mode.IMPORT)
    assert result.outcome is Outcome.STORED
    stored = db.session.get(Response, result.response_id)
    assert stored is not None
    assert stored.submitted_at == then


def test_an_import_without_its_time_or_with_a_code_is_a_mistake(programme: Programme) -> None:
    with pytest.raises(ValueError, match="keeps its time"):
        _store(_new(programme), Mode.IMPORT)
    with pytest.raises(ValueError, match="keeps its time"):
        _store(_new(programme, access_code="K7QXM3RA", submitted_at=datetime.now(UTC)), Mode.IMPORT)


def test_an_answer_to_no_question_of_the_questionnaire_stores_nothing(programme: Programme) -> None:
    answers = (*ANSWERS, SubmittedAnswer("no_such_question", AnswerValue("", number=1)))
    with pytest.raises(ValueError, match="no_such_question"):
        _store(_new(programme, answers=answers))
    assert _counts() == (0, 0)
