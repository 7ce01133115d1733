"""Every organiser, evaluator and admin route checks the role and the programme
grant on the server. The table below classifies every route of the app: a new
route that is not listed fails the suite, and each listed route is walked for
every kind of visitor."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from survey.extensions import db
from survey.models import Programme, Response, Role, User
from survey.services import access, report_jobs
from survey.services.demo import add_random_responses
from survey.services.kiosks import add_kiosk_device
from tests.helpers import read_page

#: Routes anyone may call: the trainee's form, the kiosk (guarded by its own token), signing in.
PUBLIC = {
    "static",
    "trainee.take_form",
    "trainee.thanks",
    "trainee.code_link",
    "trainee.offline_worker",
    "kiosk.take_form",
    "kiosk.thanks",
    "auth.login",
    "auth.logout",
    # The API's description and its reference page.
    "api.openapi",
    "api.docs",
}

#: Routes guarded otherwise, each by its own tests: the API by bearer tokens (role, grant and
#: scope: tests/web/test_api.py), and revoking a token by its owner only (same file).
GUARDED_ELSEWHERE = {
    "api.programmes",
    "api.summary",
    "api.codebook",
    "api.responses",
    "api.submit",
    "tokens.revoke",
}

#: Who may use each staff route:
#: "staff"   any signed-in role granted the programme (admins always);
#: "manage"  admins and organisers granted the programme (evaluators: 403);
#: "library" admins and organisers, not tied to one programme;
#: "home"    any signed-in role;
#: "admin"   administrators only.
RULES = {
    "organiser.index": "home",
    "tokens.token_list": "home",
    "tokens.create": "home",
    "organiser.dashboard": "staff",
    "organiser.dashboard_data": "staff",
    "organiser.responses": "staff",
    "organiser.response": "staff",
    "organiser.comments": "staff",
    "organiser.waiting_responses": "staff",
    "evaluator.reports": "staff",
    "evaluator.download": "staff",
    "evaluator.confirm_raw_data": "staff",
    "evaluator.compare": "staff",
    # A job asked for by the granted evaluator: its programme's staff see it, others do not.
    "evaluator.job": "staff",
    "evaluator.job_state": "staff",
    "evaluator.job_file": "staff",
    "organiser.exclude_response": "manage",
    "organiser.include_response": "manage",
    "organiser.codes": "manage",
    "organiser.generate_codes": "manage",
    "organiser.code_cards": "manage",
    "organiser.set_access_mode": "manage",
    "organiser.poster": "manage",
    "organiser.classroom_kit": "manage",
    "organiser.add_kiosk": "manage",
    "organiser.revoke_kiosk": "manage",
    "organiser.data_entry": "manage",
    "organiser.import_saved": "manage",
    "organiser.export_bundle": "manage",
    "organiser.push": "manage",
    "organiser.paper_form": "manage",
    "organiser.paper_pdf": "manage",
    "organiser.edit_programme": "manage",
    "organiser.open_programme": "manage",
    "organiser.close_programme": "manage",
    "organiser.reopen_programme": "manage",
    "organiser.archive_programme": "manage",
    "organiser.unarchive_programme": "manage",
    "organiser.new_programme": "library",
    "organiser.import_bundle": "library",
    "organiser.questionnaires": "library",
    "organiser.import_questionnaire": "library",
    "organiser.export_questionnaire": "library",
    "organiser.preview_questionnaire": "library",
    "admin.user_list": "admin",
    "admin.create_user": "admin",
    "admin.user_page": "admin",
    "admin.set_active": "admin",
    "admin.set_role": "admin",
    "admin.set_password": "admin",
    "admin.grant": "admin",
    "admin.revoke": "admin",
    "admin.audit_log": "admin",
    "admin.held_data": "admin",
    "admin.erase_page": "admin",
    "admin.erase": "admin",
}

VISITORS = ("anonymous", "admin", "organiser", "evaluator", "other_organiser", "other_evaluator")


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) of every route, one per method."""
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, rule.rule, method))
    return sorted(out)


def test_every_route_is_classified(app: Flask) -> None:
    endpoints = {endpoint for endpoint, _rule, _method in _routes(app)}
    unclassified = endpoints - PUBLIC - GUARDED_ELSEWHERE - set(RULES)
    assert unclassified == set(), f"add these routes to RULES or PUBLIC: {sorted(unclassified)}"
    assert set(RULES) <= endpoints, f"RULES lists routes that no longer exist: {sorted(set(RULES) - endpoints)}"


def _expected(kind: str, visitor: str) -> str:
    """ "login", "forbidden" (403), "hidden" (404) or "allowed"."""
    if visitor == "anonymous":
        return "login"
    if kind == "admin":
        return "allowed" if visitor == "admin" else "forbidden"
    if kind == "home":
        return "allowed"
    if kind == "library":
        return "forbidden" if visitor.endswith("evaluator") else "allowed"
    if kind == "manage" and visitor == "other_evaluator":
        return "refused"  # wrong role and no grant: 403 or 404, whichever is checked first
    if kind == "manage" and visitor == "evaluator":
        return "forbidden"
    if visitor.startswith("other_"):
        return "hidden"
    return "allowed"


ROLES = {
    "admin": Role.ADMIN,
    "organiser": Role.ORGANISER,
    "evaluator": Role.EVALUATOR,
    "other_organiser": Role.ORGANISER,
    "other_evaluator": Role.EVALUATOR,
}


@pytest.fixture(scope="session")
def password_hashes() -> dict[str, str]:
    """scrypt is slow on purpose: hash each test password once for the whole run."""
    return {visitor: generate_password_hash(f"{visitor}-password", method="scrypt") for visitor in ROLES}


@pytest.fixture
def world(app: Flask, programme: Programme, password_hashes: dict[str, str]) -> dict[str, Any]:
    session = db.session()
    users: dict[str, User] = {}
    for visitor, role in ROLES.items():
        users[visitor] = User(email=f"{visitor}@example.org", role=role.value, password_hash=password_hashes[visitor])
        session.add(users[visitor])
    session.flush()
    access.grant(session, users["organiser"], programme)
    access.grant(session, users["evaluator"], programme)
    session.commit()
    add_random_responses(session, programme, 2, seed=3)
    response_id = session.scalar(select(Response.id).limit(1))
    device = add_kiosk_device(session, programme, "Tablet")
    job = report_jobs.ask(session, users["evaluator"], [programme], "json", "fr", lambda _job_id: None)
    return {
        "users": users,
        "values": {
            "slug": programme.slug,
            "response_id": str(response_id or uuid.uuid4()),
            "user_id": str(users["other_organiser"].id),
            "programme_id": str(programme.id),
            "code": programme.questionnaire.code,
            "version": str(programme.questionnaire.version),
            "fmt": "json",
            "state": "off",
            "device_id": str(device.id),
            "job_id": job.id,
        },
    }


def _url(rule: str, values: dict[str, str]) -> str:
    url = rule
    for converter in ("<int:", "<uuid:", "<any(on, off):", "<path:", "<"):
        while converter in url:
            start = url.index(converter)
            end = url.index(">", start)
            name = url[start:end].split(":")[-1].lstrip("<")
            url = url[:start] + values[name] + url[end + 1 :]
    return url


def _sign_in(client: FlaskClient, visitor: str) -> str:
    page = read_page(client.get("/login"))
    if visitor != "anonymous":
        response = client.post(
            "/login", data={**page.hidden, "email": f"{visitor}@example.org", "password": f"{visitor}-password"}
        )
        assert response.status_code == 302, visitor
        page = read_page(client.get("/login"))
    return page.hidden["csrf_token"]


def _staff_routes() -> list[Any]:
    from survey import create_app
    from survey.config import TestConfig

    app = create_app(TestConfig)
    return [
        pytest.param(endpoint, rule, method, id=f"{method} {rule}")
        for endpoint, rule, method in _routes(app)
        if endpoint in RULES
    ]


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(("endpoint", "rule", "method"), _staff_routes())
def test_route_answers_each_visitor_as_its_rule_says(
    client: FlaskClient, world: dict[str, Any], endpoint: str, rule: str, method: str, visitor: str
) -> None:
    token = _sign_in(client, visitor)
    url = _url(rule, world["values"])
    response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
    status = response.status_code
    location = response.headers.get("Location", "")
    expected = _expected(RULES[endpoint], visitor)
    if expected == "login":
        assert status == 302, (status, url)
        assert "/login" in location
    elif expected == "forbidden":
        assert status == 403, (status, url)
    elif expected == "hidden":
        assert status == 404, (status, url)
    elif expected == "refused":
        assert status in (403, 404), (status, url)
    else:
        assert status not in (401, 403, 404), (status, url)
        assert status < 500, (status, url)
        assert "/login" not in location, (status, url)
    response.close()
