"""Accountability: every export and download is in the audit log an admin reads;
an admin erases a programme's responses and codes; a retention period erases them by itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AccessCode, Answer, AuditEvent, Exclusion, Programme, Response, Role, User
from survey.serve import RetentionSweep
from survey.services import access, audit, erasure
from survey.services.codes import issue_codes
from survey.services.demo import add_random_responses
from survey.services.exclusions import set_excluded
from survey.services.users import create_user
from tests.helpers import read_page
from tests.web.test_evaluator_reports import compare, download

PASSWORD = "correct horse"


def _login(client: FlaskClient, email: str) -> None:
    page = read_page(client.get("/login"))
    assert client.post("/login", data={**page.hidden, "email": email, "password": PASSWORD}).status_code == 302
    client.set_cookie("lang", "en")


def _user(role: Role, email: str, programme: Programme | None = None) -> User:
    account = create_user(db.session(), email, PASSWORD, role, role.value)
    if programme is not None:
        access.grant(db.session(), account, programme)
    db.session.commit()
    return account


def _entries() -> list[tuple[str, str, str, str]]:
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(e.actor, e.action, e.programme, e.detail) for e in rows]


def _count(model: type, programme: Programme) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.programme_id == programme.id)) or 0  # type: ignore[attr-defined]


@pytest.fixture
def admin(client: FlaskClient) -> FlaskClient:
    _user(Role.ADMIN, "admin@example.org")
    _login(client, "admin@example.org")
    return client


def test_each_download_route_is_recorded(app: Flask, client: FlaskClient, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 6, seed=4)
    issue_codes(db.session(), programme, 3)
    _user(Role.ORGANISER, "org@example.org", programme)
    _login(client, "org@example.org")
    for fmt in ("csv", "json", "xlsx", "html"):
        assert download(client, fmt, "fr").status_code == 200
    assert client.get("/o/niamey/codes/cards").status_code == 200
    other = Programme(
        slug="dakar", title="Dakar", questionnaire_id=programme.questionnaire_id, languages=["fr"], status="open"
    )
    db.session.add(other)
    db.session.commit()
    access.grant(db.session(), db.session.scalars(select(User)).one(), other)
    db.session.commit()
    assert compare(client, ["dakar"], "json", "en").status_code == 200
    assert _entries() == [
        ("org@example.org", "report", "niamey", "csv fr"),
        ("org@example.org", "report", "niamey", "json fr"),
        ("org@example.org", "report", "niamey", "xlsx fr"),
        ("org@example.org", "report", "niamey", "html fr"),
        ("org@example.org", "codes", "niamey", "cards"),
        ("org@example.org", "compare", "niamey", "json en"),
        ("org@example.org", "compare", "dakar", "json en"),
    ]


def test_the_report_command_is_recorded(app: Flask, programme: Programme, tmp_path: Path) -> None:
    add_random_responses(db.session(), programme, 6, seed=1)
    result = app.test_cli_runner().invoke(args=["report", "niamey", "--format", "csv", "-o", str(tmp_path / "x.zip")])
    assert result.exit_code == 0, result.output
    [(actor, action, slug, detail)] = _entries()
    assert actor.startswith("cli:")
    assert (action, slug, detail) == ("report", "niamey", "csv fr")


def test_the_admin_reads_the_log_page_by_page_in_their_language(admin: FlaskClient, programme: Programme) -> None:
    for index in range(audit.PAGE_SIZE + 3):
        audit.record(db.session(), "cli:someone", "report", programme, f"csv {index}")
    first = admin.get("/admin/audit").get_data(as_text=True)
    assert "Audit log" in first
    assert first.count('data-audit="report"') == audit.PAGE_SIZE
    assert f"csv {audit.PAGE_SIZE + 2}" in first  # newest first
    assert "Page 1 of 2" in first
    second = admin.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count('data-audit="report"') == 3
    admin.set_cookie("lang", "fr")
    assert "Journal d’audit" in admin.get("/admin/audit").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ORGANISER, Role.EVALUATOR])
def test_only_admins_read_the_log_or_erase(client: FlaskClient, programme: Programme, role: Role) -> None:
    _user(role, "someone@example.org", programme)
    _login(client, "someone@example.org")
    for path in ("/admin/audit", "/admin/data", "/admin/data/niamey/erase"):
        assert client.get(path).status_code == 403
    csrf = read_page(client.get("/o/")).hidden["csrf_token"]
    assert client.post("/admin/data/niamey/erase", data={"csrf_token": csrf, "confirm": "niamey"}).status_code == 403


def test_admin_erases_responses_and_codes_after_confirming(admin: FlaskClient, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 5, seed=2)
    issue_codes(db.session(), programme, 4)
    first = db.session.scalars(select(Response.id)).first()
    assert first is not None
    admin_id = db.session.scalars(select(User.id)).one()
    set_excluded(db.session(), programme, first, excluded=True, user_id=admin_id, reason="test")
    page = read_page(admin.get("/admin/data/niamey/erase"))
    assert "5 responses and their answers" in page.html
    refused = admin.post("/admin/data/niamey/erase", data={"csrf_token": page.hidden["csrf_token"], "confirm": "nia"})
    assert refused.status_code == 422
    assert _count(Response, programme) == 5
    done = admin.post("/admin/data/niamey/erase", data={"csrf_token": page.hidden["csrf_token"], "confirm": "niamey"})
    assert done.status_code == 303
    assert (_count(Response, programme), _count(AccessCode, programme)) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    assert db.session.scalar(select(func.count()).select_from(Exclusion)) == 0
    assert db.session.get(Programme, programme.id) is not None  # the programme stays
    assert _entries() == [("admin@example.org", "erase", "niamey", "responses and codes")]


def test_retention_erases_when_the_period_has_passed(app: Flask, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 3, seed=5)
    issue_codes(db.session(), programme, 2)
    programme.ends_on = date(2026, 1, 31)
    programme.retention_days = 30
    db.session.commit()
    assert programme.retention_ends_on == date(2026, 3, 2)
    assert erasure.erase_expired(db.session(), today=date(2026, 3, 1)) == []
    assert _count(Response, programme) == 3
    assert erasure.erase_expired(db.session(), today=date(2026, 3, 2)) == ["niamey"]
    assert (_count(Response, programme), _count(AccessCode, programme)) == (0, 0)
    assert erasure.erase_expired(db.session(), today=date(2026, 3, 3)) == []  # nothing more to erase
    assert _entries() == [("retention", "retention_erase", "niamey", "responses and codes")]


def test_the_retention_command_and_the_servers_sweep(app: Flask, programme: Programme) -> None:
    add_random_responses(db.session(), programme, 2, seed=6)
    programme.ends_on = datetime.now(UTC).date() - timedelta(days=10)
    programme.retention_days = 5
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "erased the responses and codes of niamey" in result.output
    programme = db.session.scalars(select(Programme)).one()  # the command ended the fixture's session
    assert _count(Response, programme) == 0
    add_random_responses(db.session(), programme, 2, seed=7)
    said: list[str] = []
    RetentionSweep(app, said.append).sweep()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    assert said == ["Retention period passed: erased the responses and codes of niamey."]
