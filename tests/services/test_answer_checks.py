"""Issue 16: an answer off its question's scale never reaches the database,
whichever door it comes through; and matrix variables are named from the
programme's design (question code + row code), so two cohorts' files stack."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from reports.documents.codebook import variables
from survey.extensions import db
from survey.models import Answer, Programme, Response
from survey.questionnaire.kinds import AnswerValue
from survey.services import aggregates
from survey.services.answer_checks import AnswerRefused, check_answers
from survey.services.demo import DEMO_SESSIONS
from survey.services.paper import enter_paper_form
from survey.services.programmes import create_programme
from survey.services.responses import submit_response
from survey.services.saved_answers import import_saved_answers
from survey.storage import SubmittedAnswer


def answer(code: str, item: str = "", number: int | None = None, text: str | None = None) -> SubmittedAnswer:
    return SubmittedAnswer(code, AnswerValue(item, number, text))


def stored() -> int:
    return int(db.session().scalar(select(func.count()).select_from(Response)) or 0)


def refused(programme: Programme) -> list[list[SubmittedAnswer]]:
    session_id = str(programme.sessions[0].id)
    return [
        [answer("cq_relevance", number=7)],  # a 1..5 scale
        [answer("cq_relevance", number=0)],
        [answer("recommend", number=11)],  # 0..10
        [answer("session_usefulness", session_id, number=6)],
        [answer("session_usefulness", "999999", number=3)],  # no such session
        [answer("ba_knowledge", "during", number=3)],  # neither before nor after
        [answer("helpful_formats", "juggling", number=1)],  # not an option
        [answer("attended_before", text="maybe")],
        [answer("comment_useful", text="x" * 100_000)],
        [answer("no_such_question", number=3)],
        [answer("cq_relevance", number=4), answer("cq_clarity", number=9)],  # one bad among good ones
    ]


def test_the_kinds_rules_refuse_what_the_form_would(programme: Programme) -> None:
    for answers in refused(programme):
        with pytest.raises(AnswerRefused):
            check_answers(programme, answers)
    session_id = str(programme.sessions[0].id)
    check_answers(
        programme,
        [
            answer("cq_relevance", number=1),
            answer("recommend", number=0),
            answer("session_usefulness", session_id, number=5),
            answer("ba_knowledge", "before", number=2),
            answer("helpful_formats", "workshops", number=1),
            answer("attended_before", text="no"),
            answer("comment_useful", text="Très utile"),
        ],
    )


def test_submit_response_refuses_a_point_off_the_scale_and_writes_nothing(programme: Programme) -> None:
    session = db.session()
    for answers in refused(programme):
        with pytest.raises(AnswerRefused):
            submit_response(session, programme, answers, language="fr", idempotency_key=uuid.uuid4().hex)
    assert stored() == 0
    assert db.session().scalar(select(func.count()).select_from(Answer)) == 0
    submit_response(
        session, programme, [answer("cq_relevance", number=5)], language="fr", idempotency_key=uuid.uuid4().hex
    )
    assert stored() == 1


def test_paper_entry_refuses_a_point_off_the_scale(programme: Programme) -> None:
    with pytest.raises(AnswerRefused):
        enter_paper_form(
            db.session(),
            programme,
            [answer("cq_relevance", number=7)],
            language="fr",
            paper_number=1,
            idempotency_key=uuid.uuid4().hex,
        )
    assert stored() == 0


def test_an_imported_file_refuses_a_point_off_the_scale(programme: Programme) -> None:
    with pytest.raises(AnswerRefused):
        import_saved_answers(
            db.session(),
            programme,
            [answer("cq_relevance", number=7)],
            language="fr",
            idempotency_key=uuid.uuid4().hex,
            saved_at=datetime.now(UTC),
        )
    assert stored() == 0


def test_matrix_rows_are_coded_by_day_and_order_not_by_database_id(programme: Programme) -> None:
    session = db.session()
    other = create_programme(
        session, slug="dakar", title="Dakar", questionnaire=programme.questionnaire, sessions=DEMO_SESSIONS[:3]
    )
    session.commit()
    mine, theirs = aggregates.session_row_codes(programme), aggregates.session_row_codes(other)
    assert set(mine) != set(theirs)  # other sessions, other ids
    assert sorted(mine.values()) == sorted(theirs.values())
    assert sorted(mine.values()) == ["d1_1", "d2_1", "d3_1"]  # the first three demo sessions, days 1 to 3
    names = [v.name for v in variables(aggregates.questionnaire_spec(programme))]
    assert names == [v.name for v in variables(aggregates.questionnaire_spec(other))]
    assert any(name.startswith("session_usefulness__d") for name in names)
    assert not any(name.endswith(f"__{programme.sessions[0].id}") for name in names)
