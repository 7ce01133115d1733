"""The organiser's first view: sign in, see the count against the expected number and the charts."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import Programme, Role, User
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.users import create_user
from tests.helpers import read_page


def login(client: FlaskClient, email: str, password: str) -> int:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    return response.status_code


def test_dashboard_needs_sign_in(client: FlaskClient, programme: Programme) -> None:
    response = client.get("/o/niamey")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_without_saying_which_part(client: FlaskClient, organiser: User) -> None:
    assert login(client, "org@example.org", "wrong password") == 401
    assert login(client, "nobody@example.org", "wrong password") == 401


def test_login_form_without_csrf_token_is_refused(client: FlaskClient, organiser: User) -> None:
    response = client.post("/login", data={"email": "org@example.org", "password": "correct horse"})
    assert response.status_code == 400


def test_dashboard_shows_count_against_expected_and_a_chart_per_scale_question(
    client: FlaskClient, programme: Programme, organiser: User
) -> None:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    # Two batches of 5: while open, the charts show the first (the latest is held back).
    add_random_responses(db.session(), programme, 10, seed=1)
    assert login(client, "org@example.org", "correct horse") == 302
    response = client.get("/o/niamey")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'data-kpi="responses">10<span class="kpi__of"> / 29', html)
    assert "34 %" in html  # 10 of 29
    figures = json.loads(re.search(r'<script type="application/json" id="figures">(.*?)</script>', html, re.S).group(1))
    codes = [f["code"] for f in figures]
    assert {"cq_relevance", "recommend", "ba_knowledge", "session_usefulness"} <= set(codes)
    assert "comment_useful" not in codes
    first = json.loads(figures[0]["json"])
    assert first["data"]  # a real Plotly figure
    assert "/static/vendor/plotly/plotly-cartesian.min.js" in html
    assert "cdn" not in html.lower()


def test_programme_list_shows_only_granted_programmes(
    client: FlaskClient, programme: Programme, organiser: User
) -> None:
    login(client, "org@example.org", "correct horse")
    assert "Formation de spécialistes" not in client.get("/o/").get_data(as_text=True)
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    assert "Formation de spécialistes" in client.get("/o/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.EVALUATOR])
def test_user_without_grant_cannot_see_another_programme(
    app: Flask, client: FlaskClient, programme: Programme, role: Role
) -> None:
    create_user(db.session(), "other@example.org", "other-password", role)
    db.session.commit()
    login(client, "other@example.org", "other-password")
    assert client.get("/o/niamey").status_code == 404


def test_admin_sees_every_programme(client: FlaskClient, programme: Programme) -> None:
    create_user(db.session(), "admin@example.org", "admin-password", Role.ADMIN)
    db.session.commit()
    login(client, "admin@example.org", "admin-password")
    assert client.get("/o/niamey").status_code == 200


def test_disabled_user_is_signed_out(client: FlaskClient, programme: Programme, organiser: User) -> None:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    login(client, "org@example.org", "correct horse")
    organiser.active = False
    db.session.commit()
    assert client.get("/o/niamey").status_code == 302


def test_logout_needs_post_with_csrf(client: FlaskClient, organiser: User) -> None:
    login(client, "org@example.org", "correct horse")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    page = read_page(client.get("/o/"))
    assert client.post("/logout", data={"csrf_token": page.hidden["csrf_token"]}).status_code == 302
    assert client.get("/o/").status_code == 302


def test_login_redirect_stays_on_this_site(client: FlaskClient, organiser: User) -> None:
    page = read_page(client.get("/login"))
    response = client.post(
        "/login?next=//evil.example/x", data={**page.hidden, "email": "org@example.org", "password": "correct horse"}
    )
    assert response.headers["Location"] == "/o/"
