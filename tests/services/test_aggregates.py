"""SQL aggregates leave excluded responses out of everything; the change
fingerprint moves on every change a chart could show; the live view's
one-statement check refuses whoever may not read the programme."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from reports.summary import dimension_items, dimension_means, dimension_results
from survey.extensions import db
from survey.models import Answer, Exclusion, Programme, Response, Role, User
from survey.questionnaire.kinds import AnswerValue
from survey.services import NotFound, access, aggregates, exclusions, live
from survey.services.programmes import create_programme
from survey.services.responses import submit_response
from survey.services.users import create_user
from survey.storage import SubmittedAnswer


def respond(programme: Programme, lang: str = "fr", **answers: Any) -> uuid.UUID:
    """Store one response: ``code=number``, ``code=text``, or ``code={item: number}``."""
    values = []
    for code, value in answers.items():
        if isinstance(value, dict):
            values += [SubmittedAnswer(code, AnswerValue(item, number=n)) for item, n in value.items()]
        elif isinstance(value, int):
            values.append(SubmittedAnswer(code, AnswerValue("", number=value)))
        else:
            values.append(SubmittedAnswer(code, AnswerValue("", text=value)))
    receipt = submit_response(db.session(), programme, values, language=lang, idempotency_key=uuid.uuid4().hex)
    return receipt.response_id


@pytest.fixture
def manager(app: Flask, programme: Programme) -> User:
    user = create_user(db.session(), "m@example.org", "manager-password", Role.ORGANISER)
    db.session.commit()
    return user


@pytest.fixture
def three(programme: Programme) -> list[uuid.UUID]:
    """Three responses; the last one will be excluded by the tests."""
    return [
        respond(programme, cq_relevance=5, recommend=9, attended_before="no", comment_useful="Bien"),
        respond(programme, "ar", cq_relevance=4, recommend=8, attended_before="yes", comment_useful="جيد"),
        respond(
            programme,
            cq_relevance=1,
            recommend=0,
            attended_before="yes",
            comment_useful="TEST, ignore",
            ba_knowledge={"before": 1, "after": 5},
        ),
    ]


def exclude(programme: Programme, response_id: uuid.UUID, user: User, excluded: bool = True) -> None:
    exclusions.set_excluded(
        db.session(), programme, response_id, excluded=excluded, user_id=user.id, reason="a test response"
    )


def test_excluded_responses_never_count(programme: Programme, three: list[uuid.UUID], manager: User) -> None:
    session = db.session()
    assert aggregates.response_count(session, programme) == 3
    exclude(programme, three[2], manager)

    assert aggregates.response_count(session, programme) == 2
    assert aggregates.response_counts(session, programme) == (2, 1)
    tallies = {(t.question, t.item, t.value): t.count for t in aggregates.tallies(session, programme)}
    assert tallies[("cq_relevance", "", 5)] == 1
    assert tallies[("cq_relevance", "", 4)] == 1
    assert ("cq_relevance", "", 1) not in tallies
    assert ("recommend", "", 0) not in tallies
    assert tallies[("attended_before", "", "yes")] == 1
    assert ("ba_knowledge", "before", 1) not in tallies
    rows = aggregates.numeric_rows(session, programme)
    assert sorted(row["cq_relevance"] for row in rows) == [4.0, 5.0]
    assert not any("ba_knowledge:before" in row for row in rows)
    assert [c.text for c in aggregates.comments(session, programme)] == ["جيد", "Bien"]
    assert len(aggregates.submission_times(session, programme)) == 2
    data = aggregates.programme_data(session, programme, with_rows=True)
    assert data.n_responses == 2
    assert len(data.rows) == 2
    assert len(data.comments) == 2


def test_including_again_counts_again(programme: Programme, three: list[uuid.UUID], manager: User) -> None:
    exclude(programme, three[2], manager)
    exclude(programme, three[2], manager, excluded=False)
    session = db.session()
    assert aggregates.response_counts(session, programme) == (3, 0)
    assert len(aggregates.comments(session, programme)) == 3
    log = session.scalars(select(Exclusion).order_by(Exclusion.id)).all()
    assert [(e.excluded, e.user_id, e.reason) for e in log] == [
        (True, manager.id, "a test response"),
        (False, manager.id, "a test response"),
    ]
    assert session.get(Response, three[2]) is not None  # nothing deleted
    answers = session.scalars(select(Answer).where(Answer.response_id == three[2])).all()
    assert len(answers) == 6


def test_exclusion_refuses_twice_and_other_programmes(
    programme: Programme, three: list[uuid.UUID], manager: User
) -> None:
    exclude(programme, three[0], manager)
    with pytest.raises(exclusions.AlreadyDone):
        exclude(programme, three[0], manager)
    with pytest.raises(exclusions.AlreadyDone):
        exclude(programme, three[1], manager, excluded=False)
    other = create_programme(db.session(), slug="dakar", title="Dakar", questionnaire=programme.questionnaire)
    db.session.commit()
    with pytest.raises(NotFound):
        exclude(other, three[1], manager)
    with pytest.raises(NotFound):
        exclude(programme, uuid.uuid4(), manager)
    assert len(db.session.scalars(select(Exclusion)).all()) == 1


def test_comments_filter_and_limit(programme: Programme, three: list[uuid.UUID]) -> None:
    session = db.session()
    respond(programme, comment_improve="Plus de pauses")
    assert [c.text for c in aggregates.comments(session, programme, question="comment_improve")] == ["Plus de pauses"]
    assert [c.text for c in aggregates.comments(session, programme, language="ar")] == ["جيد"]
    newest = aggregates.comments(session, programme, limit=2)
    assert [c.text for c in newest] == ["Plus de pauses", "TEST, ignore"]


def test_the_change_fingerprint_moves_on_every_change(
    programme: Programme, three: list[uuid.UUID], manager: User
) -> None:
    session = db.session()

    def change() -> aggregates.Change:
        """What changed, as the dashboard reads it inside its fingerprint."""
        return live.fingerprint(session, programme).change

    start = change()
    assert start.responses == 3
    assert start.excluded == 0
    exclude(programme, three[0], manager)
    excluded = change()
    exclude(programme, three[0], manager, excluded=False)
    back = change()
    assert len({start, excluded, back}) == 3  # the log makes "back" differ from "start"
    later = session.get(Response, three[1])
    assert later is not None
    later.submitted_at = datetime.now(UTC) + timedelta(minutes=5)
    session.commit()
    assert change().latest != back.latest
    respond(programme, cq_relevance=3)
    assert change().responses == 4


def test_fingerprint_for_viewer_is_none_unless_the_user_may_read(
    programme: Programme, three: list[uuid.UUID], manager: User
) -> None:
    session = db.session()
    assert live.fingerprint_for_viewer(session, "niamey", manager.id, 1) is None  # no grant yet
    access.grant(session, manager, programme)
    session.commit()
    fingerprint = live.fingerprint_for_viewer(session, "niamey", manager.id, 1)
    assert fingerprint is not None
    assert fingerprint == live.fingerprint(session, programme)
    assert fingerprint.etag("fr") != fingerprint.etag("en")
    # A session from before the user's sessions were ended reads nothing.
    assert live.fingerprint_for_viewer(session, "niamey", manager.id, 0) is None
    assert live.fingerprint_for_viewer(session, "nowhere", manager.id, 1) is None
    assert live.fingerprint_for_viewer(session, "niamey", 999_999, 1) is None
    admin = create_user(session, "a@example.org", "admin-password", Role.ADMIN)
    session.commit()
    assert live.fingerprint_for_viewer(session, "niamey", admin.id, 1) == fingerprint  # admins need no grant
    manager.active = False
    session.commit()
    assert live.fingerprint_for_viewer(session, "niamey", manager.id, 1) is None


def test_dimension_scores_are_means_of_respondent_means(programme: Programme) -> None:
    session = db.session()
    respond(programme, cq_relevance=5, cq_clarity=3, cq_depth=4, org_duration=2, org_logistics=4)
    respond(programme, cq_relevance=4, cq_clarity=4, cq_depth=5, cq_materials=4, org_duration=5, org_logistics=5)
    data = aggregates.programme_data(session, programme, with_rows=True)
    assert data.programme.expected_participants == 29
    scores = dimension_means(dimension_results(data))  # what the dashboard draws
    mean, low, high = scores["content_quality"]
    assert mean == pytest.approx((4 + 4.25) / 2)  # 3 of 6 items is enough (half)
    assert low is not None
    assert high is not None
    assert low < mean < high
    assert scores["organisation"][0] == pytest.approx((3 + 5) / 2)
    assert scores["professional_impact"] == (None, None, None)  # nobody answered those items
    items = dimension_items(data.questionnaire)
    assert "ba_knowledge" not in items["professional_impact"]  # before/after is not scored


def test_before_and_after_are_named_as_the_report_charts_name_them(programme: Programme) -> None:
    """One wording of before/after on the response page, the charts and the exports (the form
    asks "Before the programme" and "Now, after the programme")."""
    questionnaire = aggregates.programme_data(db.session(), programme).questionnaire
    pairs = [q for q in questionnaire.questions if q.kind == "before_after"]

    assert pairs
    for question in pairs:
        assert [(o.value, o.label["fr"], o.label["en"]) for o in question.items] == [
            ("before", "Avant", "Before"),
            ("after", "Maintenant", "Now"),
        ]


def test_the_channels_and_the_excluded_responses_are_counted_by_the_database(
    programme: Programme, three: list[uuid.UUID], manager: User
) -> None:
    exclude(programme, three[2], manager)
    data = aggregates.programme_data(db.session(), programme)
    assert data.channels == {"web": 2}, "the excluded response is in no channel's count"
    assert data.excluded == 1
