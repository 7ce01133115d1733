"""The responses browser: the list (no identities), one response in full, the
comments filtered by question and language, and excluding a response, which
managers only may do, which is logged, and which deletes nothing."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from survey.extensions import db
from survey.models import Answer, AuditEvent, Exclusion, Programme, ProgrammeStatus, Response, Role, User
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.programmes import create_programme
from survey.services.users import create_user
from tests.helpers import FormClient, full_answers, read_page, submit_all

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> =HYPERLINK("http://x")'
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"


def login(client: FlaskClient, email: str, password: str) -> None:
    page = read_page(client.get("/login"))
    assert client.post("/login", data={**page.hidden, "email": email, "password": password}).status_code == 302


@pytest.fixture
def signed_in(client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    login(client, "org@example.org", "correct horse")
    return client


@pytest.fixture
def evaluator(client: FlaskClient, programme: Programme) -> FlaskClient:
    user = create_user(db.session(), "eva@example.org", "evaluator-password", Role.EVALUATOR)
    access.grant(db.session(), user, programme)
    db.session.commit()
    login(client, "eva@example.org", "evaluator-password")
    return client


def submit(forms: FormClient, programme: Programme, lang: str = "fr", **overrides: Any) -> Response:
    """One response through the trainee form; returns it, stored."""
    before = set(db.session.scalars(select(Response.id)))
    forms.client.get(f"/s/niamey?lang={lang}")
    assert submit_all(forms, "niamey", full_answers(programme, overrides)).response.status_code == 303
    (new,) = set(db.session.scalars(select(Response.id))) - before
    response = db.session.get(Response, new)
    assert response is not None
    return response


def exclude(client: FlaskClient, response: Response, reason: str = "test", action: str = "exclude") -> TestResponse:
    page = read_page(client.get(f"/o/niamey/responses/{response.id}"))
    return client.post(
        f"/o/niamey/responses/{response.id}/{action}",
        data={"csrf_token": page.hidden.get("csrf_token", ""), "reason": reason},
    )


def responses_kpi(client: FlaskClient) -> int:
    count: int = client.get("/o/niamey/live.json").get_json()["kpis"]["responses"]
    return count


# -- the list -----------------------------------------------------------------------

LINKS = re.compile(r'href="/o/niamey/responses/([0-9a-f-]{36})"')


def closed(programme: Programme) -> None:
    """Closed, the lists hold every whole batch; open, they hold back the latest
    (test_a_batch_of_k_is_listed_whole_and_the_latest_is_held_back_while_open)."""
    programme.status = ProgrammeStatus.CLOSED.value
    db.session.commit()


def small_k(programme: Programme) -> int:
    """The smallest minimum group size (3): batches the tests can fill quickly."""
    programme.minimum_group_size = 3
    db.session.commit()
    return 3


def test_list_shows_language_source_and_neither_time_nor_identity(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    small_k(programme)
    arabic = submit(forms, programme, lang="ar")
    paper = submit(forms, programme)
    other = submit(forms, programme)
    arabic.submitted_at = datetime(2026, 11, 27, 14, 25, tzinfo=UTC)  # 15:25 in Niamey (UTC+1)
    paper.submitted_at = datetime(2026, 11, 27, 14, 40, tzinfo=UTC)
    other.submitted_at = datetime(2026, 11, 27, 14, 41, tzinfo=UTC)
    paper.source, paper.paper_number = "paper", 12
    db.session.commit()
    closed(programme)

    html = signed_in.get("/o/niamey/responses?lang=fr").get_data(as_text=True)
    rows = dict(re.findall(r'<tr>\s*<td><a href="/o/niamey/responses/([0-9a-f-]{36})">(.*?)</tr>', html, re.S))
    assert set(rows) == {str(arabic.id), str(paper.id), str(other.id)}
    assert "<td>12</td>" in rows[str(paper.id)]
    assert "arabe" in rows[str(arabic.id)]
    for shown in ("15:25", "15:40", "14:25", "27/11/2026", "2026"):
        assert shown not in html, shown  # neither a time nor a day: none points at who sent it
    for response in (arabic, paper, other):
        assert response.idempotency_key not in html
        assert "2026" not in signed_in.get(f"/o/niamey/responses/{response.id}").get_data(as_text=True)


def test_list_is_in_the_order_of_the_random_ids_not_of_arrival(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    add_random_responses(db.session(), programme, 10, seed=4)
    closed(programme)
    ids = LINKS.findall(signed_in.get("/o/niamey/responses").get_data(as_text=True))
    assert len(ids) == 10
    assert ids == sorted(ids)  # UUID 4: random, so this order says nothing of arrival


def test_list_has_50_responses_a_page(signed_in: FlaskClient, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 62, seed=21)  # 12 batches of 5, and 2 waiting
    # Open: the latest whole batch is held back too, so 55 are listed and 7 are not yet.
    first = signed_in.get("/o/niamey/responses?lang=en").get_data(as_text=True)
    second = signed_in.get("/o/niamey/responses?page=2").get_data(as_text=True)
    beyond = signed_in.get("/o/niamey/responses?page=9").get_data(as_text=True)
    assert len(LINKS.findall(first)) == 50
    assert len(LINKS.findall(second)) == 5
    assert len(LINKS.findall(beyond)) == 5  # clamped to the last page
    assert 'rel="next" href="/o/niamey/responses?page=2"' in first
    assert set(LINKS.findall(first)).isdisjoint(LINKS.findall(second))
    assert "62 responses stored" in first
    assert "7 responses are not listed yet" in first


def _small_group_views() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "small_group_view")))


def test_responses_waiting_for_their_batch_are_shown_after_a_recorded_confirmation(
    signed_in: FlaskClient, forms: FormClient, programme: Programme, organiser: User
) -> None:
    first = submit(forms, programme, q__comment_useful="Waiting comment")
    second = submit(forms, programme)
    page = read_page(signed_in.get("/o/niamey/responses?lang=en"))
    assert LINKS.findall(page.html) == []
    assert "2 responses stored" in page.html
    assert "2 responses are not listed yet" in page.html
    assert "Waiting comment" not in signed_in.get("/o/niamey/comments").get_data(as_text=True)

    unticked = signed_in.post("/o/niamey/responses/waiting", data={"csrf_token": page.hidden["csrf_token"]})
    assert unticked.status_code == 422
    assert LINKS.findall(unticked.get_data(as_text=True)) == []
    no_token = signed_in.post("/o/niamey/responses/waiting", data={"understood": "y"})
    assert no_token.status_code == 400
    assert _small_group_views() == []

    shown = signed_in.post(
        "/o/niamey/responses/waiting?lang=en", data={"csrf_token": page.hidden["csrf_token"], "understood": "y"}
    )
    assert shown.status_code == 200
    assert sorted(LINKS.findall(shown.get_data(as_text=True))) == sorted([str(first.id), str(second.id)])
    (entry,) = _small_group_views()
    assert (entry.user_id, entry.programme) == (organiser.id, "niamey")
    assert "2 not yet in a batch of 5" in entry.detail


def test_a_batch_of_k_is_listed_whole_and_the_latest_is_held_back_while_open(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    """Open, the lists hold whole batches of k but the latest, as the figures do, so that
    the list seen just before closing and the raw data after differ by k or more."""
    k = small_k(programme)
    sent = [submit(forms, programme, q__comment_useful=f"Comment {n}") for n in range(2 * k + 1)]
    for place, response in enumerate(sent):  # one a minute, in the order sent
        response.submitted_at = datetime(2026, 11, 27, 14, place, tzinfo=UTC)
    db.session.commit()
    listed = set(LINKS.findall(signed_in.get("/o/niamey/responses").get_data(as_text=True)))
    assert listed == {str(r.id) for r in sent[:k]}
    comments = signed_in.get("/o/niamey/comments").get_data(as_text=True)
    assert sorted(re.findall(r"Comment \d+", comments)) == sorted(f"Comment {n}" for n in range(k))
    closed(programme)
    listed = set(LINKS.findall(signed_in.get("/o/niamey/responses").get_data(as_text=True)))
    assert listed == {str(r.id) for r in sent[: 2 * k]}, "closed: every whole batch"


# -- one response -------------------------------------------------------------------


def test_response_page_labels_every_answer_in_the_page_language(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    response = submit(forms, programme, q__recommend="9")
    html = signed_in.get(f"/o/niamey/responses/{response.id}?lang=en").get_data(as_text=True)
    assert "The content was relevant to my job." in html
    assert "5 · Strongly agree" in html  # cq_relevance
    assert "3 · Neither agree nor disagree" in html  # cq_materials
    assert re.search(r"<dd>9</dd>", html)  # recommend: a 0-10 point
    assert "Interactive workshops" in html
    assert "Case studies" in html
    assert "Lectures" not in html
    assert ">No</dd>" in html  # single choice, labelled
    assert f"{programme.sessions[2].title}:</span> 4 · Useful" in html  # matrix row
    assert "Before:</span> 2 · Low" in html
    assert "Now:</span> 4 · High" in html
    assert "Les études de cas" in html  # the comment as typed
    assert html.count("Not answered") == 1  # comment_improve
    arabic = signed_in.get(f"/o/niamey/responses/{response.id}?lang=ar").get_data(as_text=True)
    assert "كان المحتوى وثيق الصلة بعملي." in arabic
    assert "5 · أوافق تمامًا" in arabic


def test_response_of_another_programme_is_not_found(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    response = submit(forms, programme)
    other = create_programme(db.session(), slug="dakar", title="Dakar", questionnaire=programme.questionnaire)
    response.programme_id = other.id
    db.session.commit()
    assert signed_in.get(f"/o/niamey/responses/{response.id}").status_code == 404
    assert signed_in.get(f"/o/niamey/responses/{uuid.uuid4()}").status_code == 404
    assert signed_in.get("/o/niamey/responses/not-a-uuid").status_code == 404


# -- comments -----------------------------------------------------------------------


def test_comments_filter_by_question_and_language(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    small_k(programme)
    submit(forms, programme, lang="fr", q__comment_useful="Utile en français", q__comment_improve="Améliorer")
    submit(forms, programme, lang="ar", q__comment_useful="مفيد جدا")
    submit(forms, programme, lang="en", q__comment_useful="Useful in English")
    closed(programme)

    def texts(query: str) -> list[str]:
        html = signed_in.get(f"/o/niamey/comments{query}").get_data(as_text=True)
        return re.findall(r'<p class="comment__text" dir="auto" lang="\w+">(.*?)</p>', html, re.S)

    assert sorted(texts("")) == sorted(["Utile en français", "Améliorer", "مفيد جدا", "Useful in English"])
    assert texts("?question=comment_improve") == ["Améliorer"]
    assert sorted(texts("?question=comment_useful")) == sorted(["Utile en français", "مفيد جدا", "Useful in English"])
    assert texts("?language=ar") == ["مفيد جدا"]
    assert texts("?question=comment_improve&language=ar") == []
    html = signed_in.get("/o/niamey/comments?lang=en&question=comment_improve").get_data(as_text=True)
    assert '<option value="comment_improve" selected>' in html
    assert 'lang="ar">مفيد جدا' not in html


# -- hostile text -------------------------------------------------------------------


def test_hostile_comment_is_text_on_the_comments_and_response_pages(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    small_k(programme)
    response = submit(forms, programme, q__comment_useful=HOSTILE)
    submit(forms, programme)
    submit(forms, programme)
    closed(programme)
    for url in ("/o/niamey/comments", f"/o/niamey/responses/{response.id}"):
        html = signed_in.get(url).get_data(as_text=True)
        assert "<script>alert(1)" not in html, url
        assert "<img src=x" not in html, url
        assert ESCAPED in html, url
        assert "=HYPERLINK(&#34;http://x&#34;)" in html, url
    # A hostile exclusion reason is shown as text too.
    exclude(signed_in, response, reason="<b>dup</b>")
    assert "&lt;b&gt;dup&lt;/b&gt;" in signed_in.get(f"/o/niamey/responses/{response.id}").get_data(as_text=True)


# -- excluding ----------------------------------------------------------------------


def test_exclusion_leaves_the_counts_and_charts_is_logged_and_deletes_nothing(
    signed_in: FlaskClient, forms: FormClient, programme: Programme, organiser: User
) -> None:
    programme.minimum_group_size = 3  # the smallest allowed: the charts show from three responses
    db.session.commit()
    kept = submit(forms, programme, q__recommend="9", q__attended_before="no")
    for _other in range(4):
        submit(forms, programme, q__recommend="8", q__attended_before="no")
    duplicate = submit(forms, programme, q__recommend="2", q__attended_before="yes", q__comment_useful="Doublon")
    answers = db.session.scalar(select(func.count(Answer.id)))
    assert responses_kpi(signed_in) == 6  # two whole batches of three: every response is listed

    result = exclude(signed_in, duplicate, reason="  Duplicate of the paper form  ")
    assert result.status_code == 303
    assert result.headers["Location"] == f"/o/niamey/responses/{duplicate.id}"

    db.session.expire_all()
    assert db.session.get(Response, duplicate.id).excluded  # type: ignore[union-attr]
    assert not db.session.get(Response, kept.id).excluded  # type: ignore[union-attr]
    assert db.session.scalar(select(func.count(Answer.id))) == answers  # nothing deleted
    (log,) = db.session.scalars(select(Exclusion)).all()
    assert (log.response_id, log.user_id, log.excluded, log.reason) == (
        duplicate.id,
        organiser.id,
        True,
        "Duplicate of the paper form",
    )
    assert log.at > datetime.now(UTC) - timedelta(minutes=1)

    # Closed, the charts take in every kept response (open, they hold back the latest batch).
    db.session.get(Programme, programme.id).status = ProgrammeStatus.CLOSED.value  # type: ignore[union-attr]
    db.session.commit()
    payload = signed_in.get("/o/niamey/live.json?lang=en").get_json()
    assert payload["kpis"]["responses"] == 5
    assert payload["kpis"]["excluded"] == 1
    choice = next(f for f in payload["figures"] if f["code"] == "attended_before")
    assert '"x":[0,5]' in choice["json"]  # yes 0, no 5
    assert "Doublon" not in [c["text"] for c in payload["comments"]]
    assert "Doublon" not in signed_in.get("/o/niamey/comments").get_data(as_text=True)

    page = signed_in.get(f"/o/niamey/responses/{duplicate.id}?lang=en").get_data(as_text=True)
    assert "Duplicate of the paper form" in page
    assert "org@example.org" in page or "Org" in page
    assert "badge--excluded" in page
    assert f'action="/o/niamey/responses/{duplicate.id}/include"' in page
    listing = signed_in.get("/o/niamey/responses").get_data(as_text=True)
    assert listing.count('class="is-excluded"') == 1

    assert exclude(signed_in, duplicate, reason="Was not a duplicate", action="include").status_code == 303
    assert responses_kpi(signed_in) == 6
    assert [e.excluded for e in db.session.scalars(select(Exclusion).order_by(Exclusion.id))] == [True, False]


def test_excluding_twice_logs_once(signed_in: FlaskClient, forms: FormClient, programme: Programme) -> None:
    response = submit(forms, programme)
    exclude(signed_in, response)
    page = read_page(signed_in.get(f"/o/niamey/responses/{response.id}"))
    again = signed_in.post(
        f"/o/niamey/responses/{response.id}/exclude", data={"csrf_token": page.hidden["csrf_token"], "reason": "x"}
    )
    assert again.status_code == 303
    assert db.session.scalar(select(func.count(Exclusion.id))) == 1


def test_exclusion_needs_a_reason_and_a_csrf_token(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    response = submit(forms, programme)
    assert exclude(signed_in, response, reason="   ").status_code == 422
    no_token = signed_in.post(f"/o/niamey/responses/{response.id}/exclude", data={"reason": "test"})
    assert no_token.status_code == 400
    assert exclude(signed_in, response, reason="x" * 501).status_code == 422
    db.session.expire_all()
    assert not db.session.get(Response, response.id).excluded  # type: ignore[union-attr]
    assert db.session.scalar(select(func.count(Exclusion.id))) == 0


def test_evaluator_reads_but_cannot_exclude(evaluator: FlaskClient, forms: FormClient, programme: Programme) -> None:
    response = submit(forms, programme)
    for url in ("/o/niamey/responses", f"/o/niamey/responses/{response.id}", "/o/niamey/comments"):
        assert evaluator.get(url).status_code == 200, url
    page = evaluator.get(f"/o/niamey/responses/{response.id}")
    assert "/exclude" not in page.get_data(as_text=True)
    token = read_page(page).hidden["csrf_token"]  # the sign-out form's
    for action in ("exclude", "include"):
        result = evaluator.post(
            f"/o/niamey/responses/{response.id}/{action}", data={"csrf_token": token, "reason": "I want to"}
        )
        assert result.status_code == 403
    db.session.expire_all()
    assert not db.session.get(Response, response.id).excluded  # type: ignore[union-attr]


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.EVALUATOR])
def test_another_programmes_user_gets_404(
    client: FlaskClient, forms: FormClient, programme: Programme, role: Role
) -> None:
    response = submit(forms, programme)
    create_user(db.session(), "other@example.org", "other-password", role)
    db.session.commit()
    login(client, "other@example.org", "other-password")
    for url in ("/o/niamey/responses", f"/o/niamey/responses/{response.id}", "/o/niamey/comments"):
        assert client.get(url).status_code == 404, url
    token = read_page(client.get("/o/")).hidden["csrf_token"]
    shown = client.post("/o/niamey/responses/waiting", data={"csrf_token": token, "understood": "y"})
    assert shown.status_code == 404
    assert _small_group_views() == []
    for action in ("exclude", "include"):
        result = client.post(f"/o/niamey/responses/{response.id}/{action}", data={"csrf_token": token, "reason": "x"})
        assert result.status_code == 404


def test_browser_needs_sign_in(client: FlaskClient, programme: Programme) -> None:
    for url in ("/o/niamey/responses", "/o/niamey/comments", f"/o/niamey/responses/{uuid.uuid4()}"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"]
    token = read_page(client.get("/login")).hidden["csrf_token"]
    refused = client.post("/o/niamey/responses/waiting", data={"csrf_token": token, "understood": "y"})
    assert refused.status_code == 302
    assert "/login" in refused.headers["Location"]
