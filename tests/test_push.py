"""Push from the field: a field instance sends a programme's new responses to a
central service over real HTTP, through the central's JSON API.

The central is a real server on 127.0.0.1 (``survey serve`` in a process of its
own, on its own SQLite file); the field is the test's application, on SQLite or
PostgreSQL. The central learnt the programme from its file, with the first
responses; the push adds the rest, survives an interruption, and never stores
a response twice.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import AccessMode, AuditEvent, Programme, PushedResponse, Response, Role
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.services import access, audit
from survey.services.api_tokens import create_token, revoke_token
from survey.services.bundle_import import import_programme
from survey.services.bundles import export_programme
from survey.services.central import Answer, Central, Unreachable
from survey.services.demo import DEMO_EMAIL, DEMO_SLUG, add_random_responses, ensure_demo
from survey.services.programmes import find_programme
from survey.services.push import push_programme
from survey.services.users import create_user, find_user
from tests.helpers import read_page
from tests.serving import command_server, laptop_env
from tests.test_bundles import empty_service, summary_without_generation_time

PASSWORD = "a-password-of-our-own"
CENTRAL_EMAIL = "central@example.org"


@dataclass
class CentralService:
    app: Flask
    url: str
    token: str
    token_id: int

    def session(self) -> Session:
        return Session(self.app.extensions["survey.db"], expire_on_commit=False)

    def keys(self) -> list[str]:
        with self.session() as session:
            return sorted(session.scalars(select(Response.idempotency_key)))


class FailingAfter(Central):
    """The network goes after ``calls`` submissions: the last one reached the central,
    but its answer never came back (the worst moment to lose the line)."""

    def __init__(self, central: Central, calls: int) -> None:
        super().__init__(central.url, central.token)
        self.calls = calls
        self.lost = ""

    def submit(self, slug: str, key: str, body: dict[str, Any]) -> Any:
        self.calls -= 1
        answer = super().submit(slug, key, body)
        if self.calls <= 0:
            self.lost = uuid.UUID(key).hex
            raise Unreachable("the line dropped")
        return answer


class Recording(Central):
    """The central, with the keys sent, in the order sent."""

    def __init__(self, central: Central) -> None:
        super().__init__(central.url, central.token)
        self.sent: list[str] = []

    def submit(self, slug: str, key: str, body: dict[str, Any]) -> Any:
        self.sent.append(key)
        return super().submit(slug, key, body)


@pytest.fixture
def field(app: Flask) -> Programme:
    """The field instance: the demo programme with 12 responses."""
    session = db.session()
    ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), DEMO_EMAIL, PASSWORD)
    session.commit()
    add_random_responses(session, find_programme(session, DEMO_SLUG), 12)
    session.commit()
    return find_programme(db.session(), DEMO_SLUG)


@pytest.fixture
def central(field: Programme, tmp_path: Path) -> Iterator[CentralService]:
    """The central service, serving in a process of its own; it imported the programme's file
    (the programme is open: whole batches of its 12 responses but the latest, 5) and has an
    organiser granted the programme, with a read and submit token."""
    bundle = tmp_path / "field.bundle"
    with bundle.open("wb") as out:
        export_programme(db.session(), field, out, audit.CLI)
    folder = tmp_path / "central"
    app = empty_service(folder)
    key = str(app.config["SECRET_KEY"])
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        import_programme(session, bundle, audit.CLI)
        user = create_user(session, CENTRAL_EMAIL, PASSWORD, Role.ORGANISER)
        programme = find_programme(session, DEMO_SLUG)
        access.grant(session, user, programme)
        session.commit()
        made = create_token(
            session,
            user,
            name="field laptop",
            scopes=("read", "submit"),
            programme_ids=[programme.id],
            days=7,
            key=key,
        )
        token_id = made.token.id
    with command_server({**laptop_env(folder), "SURVEY_SECRET_KEY": key}) as server:
        yield CentralService(app, server.address, made.secret, token_id)
    app.extensions["survey.db"].dispose()


def field_keys() -> list[str]:
    return sorted(db.session.scalars(select(Response.idempotency_key)))


def acknowledged() -> int:
    return db.session.scalar(select(func.count()).select_from(PushedResponse)) or 0


def test_push_interrupted_then_resumed_leaves_each_response_once_on_the_central(
    field: Programme, central: CentralService
) -> None:
    add_random_responses(db.session(), field, 8, seed=7)  # answered after the file went
    assert len(field_keys()) == 20
    from_the_file = central.keys()
    assert len(from_the_file) == 5  # the programme is open: its file holds whole batches but the latest
    line = Central(central.url, central.token)

    failing = FailingAfter(line, 5)
    cut = push_programme(db.session(), find_programme(db.session(), DEMO_SLUG), failing, audit.CLI)
    assert cut.stop is not None
    assert cut.stop.reason == "unreachable"
    # The fifth reached the central but its answer was lost: it is still to send.
    assert cut.sent + cut.already_there == 4
    assert cut.left == 16
    assert acknowledged() == 4

    recorded = Recording(line)
    resumed = push_programme(db.session(), find_programme(db.session(), DEMO_SLUG), recorded, audit.CLI)
    # In the order of the random keys, never of arrival: the central's times tell nothing.
    assert recorded.sent == sorted(recorded.sent)
    assert len(recorded.sent) == 16
    assert resumed.stop is None
    assert resumed.complete
    assert resumed.left == 0
    # The central stored each response the file did not carry once; the one whose answer was
    # lost is "already there" when sent again.
    lost_was_new = failing.lost not in from_the_file
    assert cut.sent + resumed.sent == 15 - lost_was_new
    assert cut.already_there + resumed.already_there == 5 + lost_was_new
    assert central.keys() == field_keys()  # each response exactly once

    pushes = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "push")).all()
    assert len(pushes) == 2  # each run that sent something, with what it sent and where
    assert all(central.url in detail for detail in pushes)

    again = push_programme(db.session(), find_programme(db.session(), DEMO_SLUG), line, audit.CLI)
    assert (again.sent, again.already_there, again.left, again.stop) == (0, 0, 0, None)
    assert central.keys() == field_keys()
    # Closed on both sides (open, each holds back its own latest batch, cut by its own times).
    find_programme(db.session(), DEMO_SLUG).status = "closed"
    db.session.commit()
    with central.session() as session:
        find_programme(session, DEMO_SLUG).status = "closed"
        session.commit()
        assert summary_without_generation_time(session) == summary_without_generation_time(db.session())


def test_an_unreachable_central_stops_the_push_and_nothing_is_counted_as_sent(field: Programme, tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    report = push_programme(db.session(), field, Central(url, "svy_whatever", timeout=5), audit.CLI)
    assert report.stop is not None
    assert report.stop.reason == "unreachable"
    assert (report.sent, report.left) == (0, 12)
    assert acknowledged() == 0


def test_a_revoked_token_is_reported_in_plain_words(app: Flask, field: Programme, central: CentralService) -> None:
    with central.session() as session:
        owner = find_user(session, CENTRAL_EMAIL)
        assert owner is not None
        revoke_token(session, owner, central.token_id)
    app.config.update(CENTRAL_URL=central.url, CENTRAL_TOKEN=central.token)
    try:
        result = app.test_cli_runner().invoke(args=["push-programme", DEMO_SLUG])
    finally:
        app.config.update(CENTRAL_URL="", CENTRAL_TOKEN="")
    assert result.exit_code == 1
    assert "0 responses sent, 0 already there, 12 left to send" in result.output
    assert "the central refused the token (unknown, revoked or expired): make a new one there" in result.output
    assert acknowledged() == 0


def test_a_programme_the_central_does_not_know_says_to_import_its_file_first(
    field: Programme, central: CentralService
) -> None:
    with central.session() as session:
        programme = find_programme(session, DEMO_SLUG)
        programme.slug = "renamed-there"
        session.commit()
    report = push_programme(db.session(), field, Central(central.url, central.token), audit.CLI)
    assert report.stop is not None
    assert report.stop.reason == "unknown_programme"
    assert report.left == 12


def test_a_programme_in_codes_mode_is_not_pushed(field: Programme, central: CentralService) -> None:
    field.access_mode = AccessMode.CODES.value
    db.session.commit()
    report = push_programme(db.session(), field, Central(central.url, central.token), audit.CLI)
    assert report.stop is not None
    assert report.stop.reason == "codes_mode"
    assert len(central.keys()) == 5


def organiser_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    page = read_page(client.get("/login"))
    signed = client.post("/login", data={**page.hidden, "email": DEMO_EMAIL, "password": PASSWORD})
    assert signed.status_code == 302
    return client


def test_the_organisers_button_sends_and_says_so_in_their_language(
    app: Flask, field: Programme, central: CentralService
) -> None:
    add_random_responses(db.session(), field, 3, seed=7)
    app.config.update(CENTRAL_URL=central.url, CENTRAL_TOKEN=central.token)
    try:
        client = organiser_client(app)
        path = f"/o/{DEMO_SLUG}/push"
        page = read_page(client.get(path, headers={"Accept-Language": "fr"}))
        assert page.response.status_code == 200
        assert "15 réponses à envoyer" in page.html
        assert client.post(path).status_code == 400  # no CSRF token
        done = read_page(client.post(path, data=page.hidden, headers={"Accept-Language": "fr"}))
    finally:
        app.config.update(CENTRAL_URL="", CENTRAL_TOKEN="")
    assert done.response.status_code == 200
    assert "10 réponses envoyées" in done.html
    assert "5 y étaient déjà" in done.html
    assert "0 réponse à envoyer" in done.html
    assert central.keys() == field_keys()


def test_only_the_programmes_managers_may_push(app: Flask, field: Programme) -> None:
    other = create_user(db.session(), "other@example.org", PASSWORD, Role.ORGANISER)
    evaluator = create_user(db.session(), "eval@example.org", PASSWORD, Role.EVALUATOR)
    access.grant(db.session(), evaluator, field)
    db.session.commit()
    assert other.id
    assert evaluator.id
    for email in ("other@example.org", "eval@example.org"):
        client = app.test_client()
        page = read_page(client.get("/login"))
        client.post("/login", data={**page.hidden, "email": email, "password": PASSWORD})
        token = read_page(client.get("/o/")).hidden.get("csrf_token", "")
        refused = client.post(f"/o/{DEMO_SLUG}/push", data={"csrf_token": token})
        assert refused.status_code in (403, 404)
    assert acknowledged() == 0


class Limited(Central):
    """The central's rate limit answers the first call 429, asking to wait 30 seconds."""

    def __init__(self, central: Central) -> None:
        super().__init__(central.url, central.token)
        self.limited = False

    def submit(self, slug: str, key: str, body: dict[str, Any]) -> Any:
        if not self.limited:
            self.limited = True
            return Answer(429, {"type": "/api/v1/problems/too-many-requests", "detail": "wait"}, "30")
        return super().submit(slug, key, body)


def test_the_rate_limit_is_waited_for_within_the_patience_given_and_stops_the_push_beyond(
    field: Programme, central: CentralService
) -> None:
    line = Central(central.url, central.token)
    slept: list[float] = []
    stopped = push_programme(db.session(), field, Limited(line), audit.CLI, patience=10, sleep=slept.append)
    assert stopped.stop is not None
    assert (stopped.stop.reason, stopped.stop.retry_after) == ("rate_limited", "30")
    assert slept == []
    waited = push_programme(db.session(), field, Limited(line), audit.CLI, patience=60, sleep=slept.append)
    assert waited.stop is None
    assert slept == [30.0]
    assert waited.already_there == 5


def test_without_a_central_configured_the_command_says_what_to_set(app: Flask, field: Programme) -> None:
    result = app.test_cli_runner().invoke(args=["push-programme", DEMO_SLUG])
    assert result.exit_code != 0
    assert "set SURVEY_CENTRAL_URL and SURVEY_CENTRAL_TOKEN" in result.output
    assert acknowledged() == 0


def test_the_page_says_in_arabic_that_no_central_is_configured(app: Flask, field: Programme) -> None:
    client = organiser_client(app)
    page = read_page(client.get(f"/o/{DEMO_SLUG}/push", headers={"Accept-Language": "ar"}))
    assert page.response.status_code == 200
    assert "لم تُضبط أي خدمة مركزية" in page.html
    assert "SURVEY_CENTRAL_URL" in page.html
    assert 'action="/o/niamey-2026/push"' not in page.html  # no button without a central
