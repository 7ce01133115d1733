"""Accounts and roles: sign-in throttling, the administrator's pages, the `survey user` commands."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Programme, ProgrammeGrant, Role, User
from survey.services import access
from survey.services.users import create_user
from tests.helpers import read_page


def login(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    return response.status_code, response.get_data(as_text=True)


def logout(client: FlaskClient) -> None:
    client.post("/logout", data={"csrf_token": read_page(client.get("/o/")).hidden["csrf_token"]})


def reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)  # type: ignore[return-value]


@pytest.fixture
def english(client: FlaskClient) -> FlaskClient:
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def admin(app: Flask) -> User:
    user = create_user(db.session(), "admin@example.org", "admin-password", Role.ADMIN, "Admin")
    db.session.commit()
    return user


@pytest.fixture
def as_admin(english: FlaskClient, admin: User) -> FlaskClient:
    assert login(english, "admin@example.org", "admin-password")[0] == 302
    return english


def token(client: FlaskClient, path: str = "/admin/users") -> str:
    return read_page(client.get(path)).hidden["csrf_token"]


# --- signing in (rate limits: tests/web/test_rate_limits.py) --------------------------------


def test_a_disabled_account_cannot_sign_in(english: FlaskClient, organiser: User) -> None:
    organiser.active = False
    db.session.commit()
    assert login(english, "org@example.org", "correct horse")[0] == 401


def test_session_cookie_is_http_only_and_same_site(english: FlaskClient, organiser: User) -> None:
    page = read_page(english.get("/login"))
    response = english.post("/login", data={**page.hidden, "email": "org@example.org", "password": "correct horse"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


# --- administrator pages --------------------------------------------------------------------

ADMIN_PAGES = ["/admin/users", "/admin/users/{id}"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_need_sign_in(client: FlaskClient, organiser: User, path: str) -> None:
    response = client.get(path.format(id=organiser.id))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.EVALUATOR])
def test_admin_pages_are_for_admins_only(client: FlaskClient, organiser: User, role: Role) -> None:
    create_user(db.session(), "user@example.org", "user-password", role)
    db.session.commit()
    login(client, "user@example.org", "user-password")
    for path in ADMIN_PAGES:
        assert client.get(path.format(id=organiser.id)).status_code == 403
    csrf = read_page(client.get("/o/")).hidden["csrf_token"]
    posts = [
        ("/admin/users", {"email": "x@example.org", "password": "long-enough", "role": "admin"}),
        (f"/admin/users/{organiser.id}/role", {"role": "admin"}),
        (f"/admin/users/{organiser.id}/active/off", {}),
        (f"/admin/users/{organiser.id}/password", {"password": "hijacked-password"}),
    ]
    for path, data in posts:
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 403, path
    assert reload(organiser).role == "organiser"
    assert reload(organiser).active
    assert db.session.scalars(select(User).where(User.email == "x@example.org")).first() is None


def test_only_admins_see_the_users_link(as_admin: FlaskClient, english: FlaskClient, organiser: User) -> None:
    assert 'href="/admin/users"' in as_admin.get("/o/").get_data(as_text=True)
    logout(as_admin)
    login(english, "org@example.org", "correct horse")
    assert 'href="/admin/users"' not in english.get("/o/").get_data(as_text=True)


def test_admin_lists_and_creates_accounts(as_admin: FlaskClient, organiser: User) -> None:
    html = as_admin.get("/admin/users").get_data(as_text=True)
    assert 'data-user="org@example.org"' in html
    assert 'data-user="admin@example.org"' in html
    response = as_admin.post(
        "/admin/users",
        data={
            "csrf_token": token(as_admin),
            "email": "Eval@Example.org",
            "name": "Eva",
            "role": "evaluator",
            "password": "first-password",
        },
    )
    assert response.status_code == 303
    user = db.session.scalars(select(User).where(User.email == "eval@example.org")).one()
    assert user.role == "evaluator"
    assert user.name == "Eva"
    assert user.check_password("first-password")
    assert "first-password" not in user.password_hash
    assert response.headers["Location"] == f"/admin/users/{user.id}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "org@example.org"}, "An account with this email exists already."),
        ({"email": "not-an-email"}, "This is not an email address."),
        ({"password": "short"}, "A password needs at least 8 characters."),
        ({"role": "superuser"}, "Not a valid choice"),
    ],
)
def test_a_bad_new_account_is_refused_with_its_reason(
    as_admin: FlaskClient, organiser: User, data: dict[str, str], message: str
) -> None:
    form = {"csrf_token": token(as_admin), "email": "new@example.org", "role": "organiser", "password": "long-enough"}
    response = as_admin.post("/admin/users", data={**form, **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.email == "new@example.org")).first() is None


def test_admin_changes_a_role(as_admin: FlaskClient, organiser: User) -> None:
    path = f"/admin/users/{organiser.id}"
    response = as_admin.post(f"{path}/role", data={"csrf_token": token(as_admin, path), "role": "evaluator"})
    assert response.status_code == 303
    assert reload(organiser).role == "evaluator"


def test_a_disabled_user_is_signed_out_and_cannot_sign_in_until_enabled(
    app: Flask, as_admin: FlaskClient, organiser: User, programme: Programme
) -> None:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    theirs = app.test_client()
    assert login(theirs, "org@example.org", "correct horse")[0] == 302
    assert theirs.get("/o/niamey").status_code == 200
    path = f"/admin/users/{organiser.id}"
    assert as_admin.post(f"{path}/active/off", data={"csrf_token": token(as_admin, path)}).status_code == 303
    assert theirs.get("/o/niamey").status_code == 302  # signed out
    assert login(theirs, "org@example.org", "correct horse")[0] == 401
    assert as_admin.post(f"{path}/active/on", data={"csrf_token": token(as_admin, path)}).status_code == 303
    assert login(theirs, "org@example.org", "correct horse")[0] == 302


def test_a_new_password_works_at_once(as_admin: FlaskClient, app: Flask, organiser: User) -> None:
    path = f"/admin/users/{organiser.id}"
    response = as_admin.post(f"{path}/password", data={"csrf_token": token(as_admin, path), "password": "new-password"})
    assert response.status_code == 303
    assert login(app.test_client(), "org@example.org", "correct horse")[0] == 401
    assert login(app.test_client(), "org@example.org", "new-password")[0] == 302


def test_a_too_short_new_password_is_refused(as_admin: FlaskClient, organiser: User) -> None:
    path = f"/admin/users/{organiser.id}"
    response = as_admin.post(f"{path}/password", data={"csrf_token": token(as_admin, path), "password": "short"})
    assert response.status_code == 422
    assert reload(organiser).check_password("correct horse")


def test_admin_grants_and_revokes_a_programme(
    app: Flask, as_admin: FlaskClient, organiser: User, programme: Programme
) -> None:
    theirs = app.test_client()
    login(theirs, "org@example.org", "correct horse")
    assert theirs.get("/o/niamey").status_code == 404
    path = f"/admin/users/{organiser.id}"
    page = read_page(as_admin.get(path))
    assert "Formation de spécialistes (niamey)" in page.html
    response = as_admin.post(
        f"{path}/grants", data={"csrf_token": page.hidden["csrf_token"], "programme": str(programme.id)}
    )
    assert response.status_code == 303
    assert theirs.get("/o/niamey").status_code == 200
    assert 'data-grant="niamey"' in as_admin.get(path).get_data(as_text=True)
    revoke = f"{path}/grants/{programme.id}/revoke"
    assert as_admin.post(revoke, data={"csrf_token": token(as_admin, path)}).status_code == 303
    assert theirs.get("/o/niamey").status_code == 404


def test_granting_an_unknown_programme_is_refused(as_admin: FlaskClient, organiser: User) -> None:
    path = f"/admin/users/{organiser.id}"
    response = as_admin.post(f"{path}/grants", data={"csrf_token": token(as_admin, path), "programme": "9999"})
    assert response.status_code == 422
    assert db.session.scalars(select(ProgrammeGrant)).first() is None


def test_the_last_admin_cannot_demote_or_disable_themselves(as_admin: FlaskClient, admin: User) -> None:
    path = f"/admin/users/{admin.id}"
    demoted = as_admin.post(f"{path}/role", data={"csrf_token": token(as_admin, path), "role": "organiser"})
    assert demoted.status_code == 303
    assert "last active administrator" in as_admin.get(path).get_data(as_text=True)
    as_admin.post(f"{path}/active/off", data={"csrf_token": token(as_admin, path)})
    assert reload(admin).role == "admin"
    assert reload(admin).active
    # With a second admin, the first may step down.
    create_user(db.session(), "second@example.org", "second-password", Role.ADMIN)
    db.session.commit()
    as_admin.post(f"{path}/role", data={"csrf_token": token(as_admin, path), "role": "evaluator"})
    assert reload(admin).role == "evaluator"


def test_an_unknown_user_page_is_404(as_admin: FlaskClient) -> None:
    assert as_admin.get("/admin/users/9999").status_code == 404


def test_an_evaluator_reads_but_changes_nothing(client: FlaskClient, programme: Programme) -> None:
    evaluator = create_user(db.session(), "eval@example.org", "eval-password", Role.EVALUATOR)
    access.grant(db.session(), evaluator, programme)
    db.session.commit()
    login(client, "eval@example.org", "eval-password")
    assert client.get("/o/niamey").status_code == 200
    assert client.get("/o/niamey/codes").status_code == 403
    csrf = read_page(client.get("/o/")).hidden["csrf_token"]
    assert client.post("/o/niamey/codes/mode", data={"csrf_token": csrf, "mode": "codes"}).status_code == 403


# --- the `survey user` commands -------------------------------------------------------------


def test_user_commands_manage_accounts(app: Flask, programme: Programme) -> None:
    runner = app.test_cli_runner()

    def run(*args: str) -> str:
        result = runner.invoke(args=["user", *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("create", "admin@example.org", "--role", "admin", "--password", "admin-password")
    run("create", "eva@example.org", "--role", "evaluator", "--name", "Eva", "--password", "eval-password")
    assert "eva@example.org\tevaluator\tactive\t0 programme(s)" in run("list")
    run("set-role", "EVA@example.org", "organiser")
    run("grant", "eva@example.org", "niamey")
    listing = run("list")
    assert "eva@example.org\torganiser\tactive\t1 programme(s)" in listing
    assert "admin@example.org\tadmin\tactive\tall programmes" in listing
    eva = db.session.scalars(select(User).where(User.email == "eva@example.org")).one()
    assert access.can_view(db.session(), eva, programme)
    run("revoke", "eva@example.org", "niamey")
    assert not access.can_view(db.session(), reload(eva), programme)
    run("disable", "eva@example.org")
    assert "eva@example.org\torganiser\tdisabled" in run("list")
    run("enable", "eva@example.org")
    assert reload(eva).active
    run("set-password", "eva@example.org", "--password", "another-password")
    assert reload(eva).check_password("another-password")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["disable", "nobody@example.org"], "no user with email nobody@example.org"),
        (["grant", "admin@example.org", "atlantis"], "no programme atlantis"),
        (["set-role", "admin@example.org", "organiser"], "last active admin"),
        (["disable", "admin@example.org"], "last active admin"),
        (["set-role", "admin@example.org", "king"], "Invalid value"),
        (["set-password", "admin@example.org", "--password", "short"], "at least 8 characters"),
    ],
)
def test_user_commands_refuse_with_a_reason(app: Flask, args: list[str], message: str) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["user", "create", "admin@example.org", "--role", "admin", "--password", "admin-password"])
    result = runner.invoke(args=["user", *args])
    assert result.exit_code != 0
    assert message in result.output
    admin = db.session.scalars(select(User).where(User.email == "admin@example.org")).one()
    assert admin.role == "admin"
    assert admin.active
    assert admin.check_password("admin-password")
