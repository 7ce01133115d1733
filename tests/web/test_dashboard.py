"""The live dashboard: the numbers after N submissions, the ETag/304 polling
cycle (one SQL statement when nothing changed), hostile comments shown as
text, and who may see it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from werkzeug.test import TestResponse

from survey.extensions import db
from survey.models import Programme, ProgrammeStatus, Response, Role, User
from survey.services import access, exclusions
from survey.services.anonymity import group_size_of
from survey.services.demo import add_random_responses
from survey.services.users import create_user
from tests.helpers import FormClient, full_answers, read_page, submit_all

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> =HYPERLINK("http://x")'
LIVE = "/o/niamey/live.json"
#: Transaction bookkeeping the engine or the test fixture emits around any query.
CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


def login(client: FlaskClient, email: str, password: str) -> None:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    assert response.status_code == 302


@pytest.fixture
def signed_in(client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    """The organiser of ``programme``, signed in."""
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    login(client, "org@example.org", "correct horse")
    return client


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run meanwhile, transaction bookkeeping left out."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def live(client: FlaskClient, etag: str | None = None, lang: str = "en") -> TestResponse:
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"{LIVE}?lang={lang}", headers=headers)


def figure(payload: dict[str, Any], code: str) -> dict[str, Any]:
    for item in payload["figures"]:
        if item["code"] == code:
            spec: dict[str, Any] = json.loads(item["json"])
            return spec
    raise AssertionError(f"no figure {code}")


def submit(forms: FormClient, programme: Programme, **overrides: Any) -> None:
    last = submit_all(forms, "niamey", full_answers(programme, overrides))
    assert last.response.status_code == 303


# -- the numbers --------------------------------------------------------------------


def test_live_data_shows_n_of_29_and_the_exact_distributions(
    app: Flask, client: FlaskClient, forms: FormClient, programme: Programme, organiser: User
) -> None:
    submit(forms, programme, q__recommend="9", q__attended_before="no", q__cq_relevance="5")
    submit(forms, programme, q__recommend="6", q__attended_before="yes", q__cq_relevance="2")
    submit(forms, programme, q__recommend="10", q__attended_before="no", q__cq_relevance="5", q__cq_clarity="1")
    access.grant(db.session(), organiser, programme)
    programme.minimum_group_size = 3  # the smallest allowed: three responses are shown
    db.session.commit()
    login(client, "org@example.org", "correct horse")

    response = live(client)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    payload = response.get_json()
    assert payload["kpis"] == {
        "responses": 3,
        "expected": 29,
        "rate": 10,  # 3 / 29
        "excluded": 0,
        "status": "open",
        "status_label": "Open",
        "small_group": False,
        "waiting": 0,  # a whole batch of three
        "waiting_note": "",
    }
    # 0-10 rating: one 6 (detractor), one 9 and one 10 (promoters).
    rating = figure(payload, "recommend")
    bars = {x: y for trace in rating["data"] for x, y in zip(trace["x"], trace["y"], strict=True)}
    assert (bars[6], bars[9], bars[10], bars[7]) == (1, 1, 1, 0)
    assert "+33" in rating["layout"]["title"]["text"]  # net score: 67 % - 33 %
    # Single choice: 1 yes, 2 no.
    choice = figure(payload, "attended_before")
    assert choice["data"][0]["x"] == [1, 2]
    # Likert: two "Strongly agree" (5), one "Disagree" (2), each with n = 3.
    likert = figure(payload, "cq_relevance")
    by_name = {trace["name"]: trace["customdata"][0] for trace in likert["data"] if trace["showlegend"]}
    assert by_name["Strongly agree"][0] == 2
    assert by_name["Disagree"][0] == 1
    assert by_name["Agree"][0] == 0
    assert by_name["Strongly agree"][2] == 3
    # Arrivals: a step line up to 3, the expected 29 drawn as a line.
    arrivals = figure(payload, "arrivals")
    assert arrivals["data"][0]["y"][-1] == 3
    assert arrivals["layout"]["shapes"][0]["y0"] == 29
    assert "Africa/Niamey" in arrivals["layout"]["xaxis"]["title"]["text"]
    # Dimension scores: content quality is the mean of each respondent's mean of its 4 items
    # (relevance, clarity, depth, materials).
    dimensions = figure(payload, "dimensions")["data"][0]
    scores = dict(zip(dimensions["y"], dimensions["x"], strict=True))
    per_respondent = [(5 + 4 + 4 + 3) / 4, (2 + 4 + 4 + 3) / 4, (5 + 1 + 4 + 3) / 4]
    assert scores["Content quality"] == pytest.approx(sum(per_respondent) / 3)
    assert scores["Organisation"] == pytest.approx((3 + 4) / 2)  # duration, logistics
    assert dimensions["error_x"]["array"][0] > 0  # a 95 % interval is drawn
    # Every scale and choice question has its chart; free text has none.
    codes = [f["code"] for f in payload["figures"]]
    assert {"session_usefulness", "ba_knowledge", "helpful_formats", "overall_satisfaction"} <= set(codes)
    assert "comment_useful" not in codes
    # Three trainees wrote, a whole batch of k = 3: their comments show, without a time
    # (tests/web/test_room_comments.py).
    assert len(payload["comments"]) == 3
    assert all(set(comment) == {"question", "question_text", "language", "text"} for comment in payload["comments"])


def test_dashboard_page_shows_kpis_charts_comments_and_the_polling_url(
    signed_in: FlaskClient, programme: Programme
) -> None:
    add_random_responses(db.session(), programme, 12, seed=3)
    html = signed_in.get("/o/niamey?lang=en").get_data(as_text=True)
    assert re.search(r'data-kpi="responses">12<span class="kpi__of"> / 29', html)
    assert "41 %" in html  # 12 of 29
    assert 'data-url="/o/niamey/live.json?lang=en"' in html
    etag = re.search(r"data-etag='(W/\"[0-9a-f]+\")'", html)
    assert etag is not None
    # The page's tag is the JSON's: the first poll is already a 304.
    assert live(signed_in, etag.group(1)).status_code == 304
    figures = json.loads(re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S)[1])
    assert [f["code"] for f in figures][:2] == ["arrivals", "dimensions"]
    assert html.count('class="comment"') <= 10
    assert 'class="comment__text" dir="auto"' in html
    assert "/static/js/dashboard.js" in html
    assert "cdn" not in html.lower()


def test_at_most_ten_comments(signed_in: FlaskClient, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 40, seed=5)
    comments = live(signed_in).get_json()["comments"]
    assert 0 < len(comments) <= 10


def test_projector_view_drops_the_chrome(signed_in: FlaskClient, programme: Programme) -> None:
    html = signed_in.get("/o/niamey?view=projector").get_data(as_text=True)
    assert 'class="dashboard dashboard--projector"' in html
    assert 'class="topbar"' not in html
    assert 'class="tabs"' not in html


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_dashboard_in_each_language(signed_in: FlaskClient, programme: Programme, lang: str) -> None:
    add_random_responses(db.session(), programme, 3, seed=7)
    page = signed_in.get(f"/o/niamey?lang={lang}")
    assert page.status_code == 200
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in page.get_data(as_text=True)
    payload = live(signed_in, lang=lang).get_json()
    arrivals = figure(payload, "arrivals")
    assert "3 / 29" in arrivals["layout"]["title"]["text"]


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_charts_load_plotly_words_in_the_page_language(signed_in: FlaskClient, programme: Programme, lang: str) -> None:
    """French and Arabic translations of plotly.js are vendored; English is its own."""
    html = signed_in.get(f"/o/niamey?lang={lang}").get_data(as_text=True)
    loaded = re.findall(r"vendor/plotly/locales/(\w+)\.js", html)
    assert loaded == ([] if lang == "en" else [lang])


# -- polling: ETag and 304 ----------------------------------------------------------


def test_unchanged_dashboard_costs_one_statement_and_an_empty_304(signed_in: FlaskClient, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 4, seed=11)
    first = live(signed_in)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "private, no-store"  # the poll sends its tag itself

    with statements() as seen:
        again = live(signed_in, etag)
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    # The user, the grant and the fingerprint: one SELECT, nothing else.
    assert len(seen) == 1, seen
    assert seen[0].lstrip().upper().startswith("SELECT")


def test_a_new_submission_changes_the_etag_and_the_count(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    add_random_responses(db.session(), programme, 2, seed=13)
    first = live(signed_in)
    etag = first.headers["ETag"]
    assert first.get_json()["kpis"]["responses"] == 2
    assert live(signed_in, etag).status_code == 304

    submit(forms, programme)

    after = live(signed_in, etag)
    assert after.status_code == 200
    assert after.headers["ETag"] != etag
    assert after.get_json()["kpis"]["responses"] == 3
    assert live(signed_in, after.headers["ETag"]).status_code == 304


def test_exclusion_status_and_language_change_the_etag(
    signed_in: FlaskClient, programme: Programme, organiser: User
) -> None:
    add_random_responses(db.session(), programme, 3, seed=17)
    etag = live(signed_in).headers["ETag"]
    assert live(signed_in, etag, lang="fr").status_code == 200  # other language, other payload

    first = db.session.scalars(select(Response.id).where(Response.programme_id == programme.id)).first()
    assert first is not None
    exclusions.set_excluded(db.session(), programme, first, excluded=True, user_id=organiser.id, reason="test")
    excluded = live(signed_in, etag)
    assert excluded.status_code == 200
    assert excluded.get_json()["kpis"]["responses"] == 2
    assert excluded.get_json()["kpis"]["excluded"] == 1

    exclusions.set_excluded(db.session(), programme, first, excluded=False, user_id=organiser.id, reason="back")
    included = live(signed_in, excluded.headers["ETag"])
    assert included.status_code == 200
    assert included.headers["ETag"] != etag  # the log grew: not mistaken for the first state
    assert included.get_json()["kpis"]["responses"] == 3

    db.session.get(Programme, programme.id).move_to(ProgrammeStatus.CLOSED)  # type: ignore[union-attr]
    db.session.commit()
    closed = live(signed_in, included.headers["ETag"])
    assert closed.status_code == 200
    assert closed.get_json()["kpis"]["status"] == "closed"


# -- who may see it -----------------------------------------------------------------


def test_polling_needs_sign_in(client: FlaskClient, programme: Programme) -> None:
    response = client.get(LIVE, headers={"If-None-Match": "*"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.EVALUATOR])
def test_another_programmes_user_gets_404_even_with_the_current_etag(
    signed_in: FlaskClient, programme: Programme, role: Role
) -> None:
    etag = live(signed_in).headers["ETag"]
    create_user(db.session(), "other@example.org", "other-password", role)
    db.session.commit()
    signed_in.post("/logout", data={"csrf_token": read_page(signed_in.get("/o/")).hidden["csrf_token"]})
    login(signed_in, "other@example.org", "other-password")
    assert live(signed_in, etag).status_code == 404
    assert live(signed_in, "*").status_code == 404
    assert signed_in.get("/o/niamey").status_code == 404


def test_a_disabled_user_gets_no_304(signed_in: FlaskClient, programme: Programme, organiser: User) -> None:
    etag = live(signed_in).headers["ETag"]
    organiser.active = False
    db.session.commit()
    response = live(signed_in, etag)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_granted_evaluator_and_admin_poll_too(client: FlaskClient, programme: Programme) -> None:
    evaluator = create_user(db.session(), "eva@example.org", "evaluator-password", Role.EVALUATOR)
    create_user(db.session(), "admin@example.org", "admin-password", Role.ADMIN)
    access.grant(db.session(), evaluator, programme)
    db.session.commit()
    for email, password in (("eva@example.org", "evaluator-password"), ("admin@example.org", "admin-password")):
        login(client, email, password)
        etag = live(client).headers["ETag"]
        with statements() as seen:
            assert live(client, etag).status_code == 304
        assert len(seen) == 1


def test_unknown_programme_is_404(signed_in: FlaskClient) -> None:
    assert signed_in.get("/o/nowhere/live.json", headers={"If-None-Match": "*"}).status_code == 404
    assert signed_in.get("/o/nowhere/live.json").status_code == 404


# -- hostile comments ---------------------------------------------------------------


def test_hostile_comment_is_text_on_the_dashboard_and_in_the_json(
    signed_in: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    programme.minimum_group_size = 3  # three responses: comments are shown
    db.session.commit()
    submit(forms, programme)
    submit(forms, programme)
    submit(forms, programme, q__comment_useful=HOSTILE)
    for _other in range(group_size_of(programme) - 1):  # comments show k trainees at a time
        submit(forms, programme)
    html = signed_in.get("/o/niamey").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert "=HYPERLINK(&#34;http://x&#34;)" in html or "=HYPERLINK(&quot;http://x&quot;)" in html

    response = live(signed_in)
    raw = response.get_data(as_text=True)
    assert "<script>" not in raw
    assert "<img" not in raw
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert HOSTILE in [c["text"] for c in response.get_json()["comments"]]  # the data itself is intact


def test_dashboard_script_inserts_texts_as_text_only() -> None:
    script = (Path(__file__).parents[2] / "static" / "js" / "dashboard.js").read_text()
    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
