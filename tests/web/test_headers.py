"""Headers every page carries, and the ones staff pages add: a copy of an
organiser's page left in a shared computer's cache, or a proxy's, would show
answers and accounts to the next person."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import Programme, User
from survey.services import access
from tests.helpers import read_page
from tests.web.test_accounts import login

STAFF_PAGES = (
    "/login",
    "/o/",
    "/o/niamey",
    "/o/niamey/live.json",
    "/o/niamey/responses",
    "/o/niamey/codes",
    "/e/niamey/reports",
)


@pytest.fixture
def signed_in(client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    assert login(client, "org@example.org", "correct horse")[0] == 302
    return client


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_and_exports_are_never_stored(signed_in: FlaskClient, path: str) -> None:
    response = signed_in.get(path)
    assert response.status_code == 200, path
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_report_jobs_and_their_files_are_never_stored(signed_in: FlaskClient, fmt: str) -> None:
    token = read_page(signed_in.get("/o/")).hidden["csrf_token"]
    job_page = signed_in.post(f"/e/niamey/reports/{fmt}", data={"csrf_token": token, "lang": "ar"})
    assert job_page.status_code == 303
    for path in (job_page.headers["Location"], job_page.headers["Location"] + "/file"):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("path", ["/s/niamey", "/login", "/o/"])
def test_every_page_turns_off_what_it_never_uses(client: FlaskClient, programme: Programme, path: str) -> None:
    policy = client.get(path).headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy


def test_hsts_only_once_cookies_are_for_https_only(app: Flask, programme: Programme) -> None:
    assert "Strict-Transport-Security" not in app.test_client().get("/s/niamey").headers
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = app.test_client().get("/s/niamey", base_url="https://localhost")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_language_cookie_is_for_https_only_when_the_session_is(app: Flask, programme: Programme) -> None:
    plain = app.test_client().get("/s/niamey?lang=ar").headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=ar") and "Secure" not in c for c in plain)
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        secure = app.test_client().get("/s/niamey?lang=ar", base_url="https://localhost").headers.getlist("Set-Cookie")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert any(c.startswith("lang=ar") and "Secure" in c for c in secure)
