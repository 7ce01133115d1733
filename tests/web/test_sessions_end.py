"""A staff session ends when it should, on every device: a cookie copied
before a sign-out, a new password, a new role or a disabled account is
replayed and must no longer open a staff page. And the sign-in page sends
nobody to another site, whatever ``next`` says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import Programme, Role, User
from survey.services import access, users
from tests.web.test_accounts import login, logout, reload

SESSION_COOKIE = "session"


def _signed_in(app: Flask, email: str, password: str) -> tuple[FlaskClient, str]:
    client = app.test_client()
    assert login(client, email, password)[0] == 302
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None
    return client, cookie.value


def _replayed(app: Flask, cookie: str) -> int:
    """The status of the staff home page for a browser holding only ``cookie``."""
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, cookie)
    return thief.get("/o/").status_code


def test_a_copied_cookie_works_until_the_owner_signs_out(app: Flask, organiser: User) -> None:
    client, cookie = _signed_in(app, "org@example.org", "correct horse")
    assert _replayed(app, cookie) == 200
    logout(client)
    assert _replayed(app, cookie) == 302  # to the sign-in page


def test_signing_out_on_one_device_ends_the_others(app: Flask, organiser: User) -> None:
    laptop, _ = _signed_in(app, "org@example.org", "correct horse")
    phone, _ = _signed_in(app, "org@example.org", "correct horse")
    logout(laptop)
    assert phone.get("/o/").status_code == 302


CHANGES: dict[str, Callable[[User], None]] = {
    "new password": lambda user: users.set_password(db.session(), user, "a new long password"),
    "new role": lambda user: users.set_role(db.session(), user, Role.EVALUATOR),
    "disabled": lambda user: users.set_active(db.session(), user, False),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_an_account_change_ends_its_sessions(app: Flask, organiser: User, change: str) -> None:
    _, cookie = _signed_in(app, "org@example.org", "correct horse")
    CHANGES[change](reload(organiser))
    assert _replayed(app, cookie) == 302


def test_an_unchanged_role_keeps_the_session(app: Flask, organiser: User) -> None:
    _, cookie = _signed_in(app, "org@example.org", "correct horse")
    users.set_role(db.session(), reload(organiser), Role.ORGANISER)
    assert _replayed(app, cookie) == 200


def test_a_session_idle_longer_than_the_setting_ends(
    app: Flask, organiser: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, cookie = _signed_in(app, "org@example.org", "correct horse")
    assert app.permanent_session_lifetime == timedelta(hours=8)
    monkeypatch.setattr(app, "permanent_session_lifetime", timedelta(seconds=-1))
    assert _replayed(app, cookie) == 302


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.example/",
        "/%0d/",
        "/%0a/evil.example",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example",
        "https://evil.example/",
        "/%00/",
        "javascript:alert(1)",
        "/%E2%80%A8/evil.example",
    ],
)
def test_next_never_leads_off_the_site_and_never_fails(app: Flask, organiser: User, target: str) -> None:
    from tests.helpers import read_page

    client = app.test_client()
    page = read_page(client.get("/login"))
    response = client.post(
        f"/login?next={target}", data={**page.hidden, "email": "org@example.org", "password": "correct horse"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] in {"/o/", "http://localhost/o/"}


def test_next_keeps_a_path_of_this_site(app: Flask, organiser: User) -> None:
    from tests.helpers import read_page

    client = app.test_client()
    page = read_page(client.get("/login"))
    response = client.post(
        "/login?next=/o/niamey%3Fview%3Dprojector",
        data={**page.hidden, "email": "org@example.org", "password": "correct horse"},
    )
    assert response.headers["Location"].endswith("/o/niamey?view=projector")


@pytest.mark.parametrize("email", ["org\x00@example.org", "\x00", "org@example.org\x00"])
def test_a_nul_in_the_email_is_a_wrong_sign_in_not_an_error(app: Flask, organiser: User, email: str) -> None:
    status, html = login(app.test_client(), email, "correct horse")
    assert status in {401, 422}
    assert "Traceback" not in html


def test_an_ended_session_gets_no_304_from_the_live_dashboard(
    app: Flask, organiser: User, programme: Programme
) -> None:
    """The dashboard's cheap path (one statement, no Flask-Login) checks the session version too."""
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    client, cookie = _signed_in(app, "org@example.org", "correct horse")
    live = "/o/niamey/live.json?lang=en"
    etag = client.get(live).headers["ETag"]
    assert client.get(live, headers={"If-None-Match": etag}).status_code == 304
    logout(client)
    thief = app.test_client()
    thief.set_cookie(SESSION_COOKIE, cookie)
    assert thief.get(live, headers={"If-None-Match": etag}).status_code == 302
