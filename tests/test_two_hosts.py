"""Several hosts on one database (README.md, "Deployment on PostgreSQL with
gunicorn"): two gunicorn servers, each a host of its own (its own instance
folder and port, the same database and secret key), and what is done through
one is seen by the other at once: a response stored, a token revoked, a staff
session ended (signing out, a password changed by an administrator).

On PostgreSQL as the central service runs, and on one SQLite file, which
gunicorn's processes share as well (its writers take turns through a lock file).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from bench.client import Browser, Reply, hidden_fields
from bench.server import gunicorn
from survey import create_app
from survey.config import TestConfig
from survey.migrate import upgrade
from survey.models import Programme, Role, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.services.api_tokens import create_token
from survey.services.demo import DEMO_EMAIL, DEMO_SLUG, ensure_demo
from survey.services.users import create_user
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES
from tests.serving import whole_form
from tests.web.test_api import flat_answers

SECRET_KEY = "two-hosts-secret-key-not-for-production"
PASSWORD = "a-password-of-our-own"
ADMIN_EMAIL = "admin@example.org"
#: One worker per host: a host as small as can be, so that whatever crosses is the database's doing.
ONE_WORKER = ("--worker-class", "gthread", "--workers", "1", "--threads", "2")
DASHBOARD = f"/o/{DEMO_SLUG}"
SUMMARY = f"/api/v1/programmes/{DEMO_SLUG}/summary"


@dataclass(frozen=True)
class Setup:
    url: str
    token: str
    token_id: int
    organiser_id: int
    #: Valid answers to the demo programme, as the API takes them.
    answers: dict[str, object]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of the test's own: a SQLite file, or a PostgreSQL database
    beside SURVEY_TEST_DATABASE_URL's (the servers commit; the suite's database stays clean)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'central.db'}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL.startswith("postgresql"):
        if REQUIRE_POSTGRES:
            pytest.fail("SURVEY_TEST_DATABASE_URL must point at PostgreSQL in this run")
        pytest.skip("set SURVEY_TEST_DATABASE_URL=postgresql+psycopg://... to run against PostgreSQL")
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_two_hosts"
    admin = create_engine(base.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, tmp_path: Path) -> Setup:
    """The demo programme and its organiser, an administrator, and the organiser's API token."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SECRET_KEY = globals()["SECRET_KEY"]
        INSTANCE_DIR = tmp_path / "setup-instance"

    app = create_app(Config)
    engine = app.extensions["survey.db"]
    try:
        with Session(engine, expire_on_commit=False) as session:
            ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), DEMO_EMAIL, PASSWORD)
            create_user(session, ADMIN_EMAIL, PASSWORD, Role.ADMIN, "Admin")
            session.commit()
            organiser = session.scalars(select(User).where(User.email == DEMO_EMAIL)).one()
            programme = session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).one()
            answers = flat_answers(programme)
            made = create_token(
                session,
                organiser,
                name="kiosk",
                scopes=("read", "submit"),
                programme_ids=[programme.id],
                days=7,
                key=SECRET_KEY,
            )
            return Setup(url, made.secret, made.token.id, organiser.id, answers)
    finally:
        engine.dispose()


def host_env(url: str, instance: Path) -> dict[str, str]:
    """One host's settings, as README.md's deployment sets them (plain http on loopback)."""
    return {
        "SURVEY_DATABASE_URL": url,
        "SURVEY_SECRET_KEY": SECRET_KEY,
        "SURVEY_INSTANCE_PATH": str(instance),
        "SURVEY_SECURE_COOKIES": "0",
        "SURVEY_BASE_URL": "",
        # The rate limits each count apart here: sharing them through Redis is
        # tests/web/test_rate_limits.py's subject, not this test's.
        "SURVEY_REDIS_URL": "",
        "SURVEY_WORKERS": "1",
        "SURVEY_RETENTION_HOURS": "0",
    }


def sign_in(browser: Browser, email: str) -> None:
    hidden = hidden_fields(browser.get("/login").text())
    reply = browser.post("/login", [("csrf_token", hidden["csrf_token"]), ("email", email), ("password", PASSWORD)])
    assert reply.status == 302, reply.status


def responses_on_dashboard(browser: Browser) -> int:
    reply = browser.get(DASHBOARD)
    assert reply.status == 200, reply.status
    page = reply.text()
    marker = 'data-kpi="responses">'
    start = page.index(marker) + len(marker)
    return int(page[start : page.index("<", start)])


def api(browser: Browser, token: str, method: str = "GET", path: str = SUMMARY, body: object = None) -> Reply:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    if body is not None:
        headers |= {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    return browser.call(method, path, None if body is None else json.dumps(body).encode(), headers)


def responses_in_api(browser: Browser, token: str) -> int:
    reply = api(browser, token)
    assert reply.status == 200, (reply.status, reply.text())
    return int(json.loads(reply.text())["kpis"]["responses"])


def replayed(cookies: dict[str, str], port: int, path: str = DASHBOARD) -> Reply:
    """``path`` asked by a stranger who copied ``cookies``, on the host at ``port``."""
    with closing(Browser("127.0.0.1", port, timeout=30)) as stranger:
        stranger.cookies.update(cookies)
        return stranger.get(path)


@pytest.mark.slow
def test_what_one_host_does_the_other_sees_at_once(database: str, tmp_path: Path) -> None:
    setup = prepare(database, tmp_path)
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(
                gunicorn(
                    "survey:create_app()",
                    host_env(database, tmp_path / f"host-{name}"),
                    tmp_path / f"host-{name}.log",
                    f"/s/{DEMO_SLUG}",
                    ONE_WORKER,
                )
            )
            for name in ("a", "b")
        )
        assert a.port != b.port

        def open_browser(port: int) -> Browser:
            return stack.enter_context(closing(Browser("127.0.0.1", port, timeout=30)))

        on_a, on_b = open_browser(a.port), open_browser(b.port)
        staff_a, staff_b = open_browser(a.port), open_browser(b.port)
        sign_in(staff_a, DEMO_EMAIL)
        sign_in(staff_b, DEMO_EMAIL)
        before = responses_on_dashboard(staff_b)
        assert responses_in_api(on_b, setup.token) == before

        # A trainee's response stored through host A is on B's dashboard and in B's API.
        phone = open_browser(a.port)
        sent = phone.post(f"/s/{DEMO_SLUG}", whole_form(phone))
        assert sent.status == 303, sent.status
        assert responses_on_dashboard(staff_b) == before + 1
        assert responses_in_api(on_b, setup.token) == before + 1
        # And one sent through B's API is on A's dashboard and in A's API.
        submitted = api(
            on_b, setup.token, "POST", f"/api/v1/programmes/{DEMO_SLUG}/responses", {"answers": setup.answers}
        )
        assert submitted.status == 201, (submitted.status, submitted.text())
        assert responses_on_dashboard(staff_a) == before + 2
        assert responses_in_api(on_a, setup.token) == before + 2

        # The token revoked on host A's page is refused by host B at once.
        hidden = hidden_fields(staff_a.get("/account/tokens").text())
        revoked = staff_a.post(f"/account/tokens/{setup.token_id}/revoke", [("csrf_token", hidden["csrf_token"])])
        assert revoked.status == 303, revoked.status
        refused = api(on_b, setup.token)
        assert refused.status == 401
        assert json.loads(refused.text())["status"] == 401

        # Signing out on host A ends the session on B: the copied cookie opens nothing there.
        kept = dict(staff_a.cookies)
        assert replayed(kept, b.port).status == 200
        hidden = hidden_fields(staff_a.get(DASHBOARD).text())
        assert staff_a.post("/logout", [("csrf_token", hidden["csrf_token"])]).status == 302
        for port in (a.port, b.port):
            ended = replayed(kept, port)
            assert ended.status == 302
            assert "/login" in (ended.headers.get("Location") or "")

        # A password an administrator sets on host A ends the organiser's session on B.
        sign_in(staff_b, DEMO_EMAIL)
        assert responses_on_dashboard(staff_b) == before + 2
        kept = dict(staff_b.cookies)
        admin = open_browser(a.port)
        sign_in(admin, ADMIN_EMAIL)
        page = admin.get(f"/admin/users/{setup.organiser_id}")
        assert page.status == 200, page.status
        changed = admin.post(
            f"/admin/users/{setup.organiser_id}/password",
            [("csrf_token", hidden_fields(page.text())["csrf_token"]), ("password", "another-password-entirely")],
        )
        assert changed.status == 303, changed.status
        for port in (b.port, a.port):
            ended = replayed(kept, port)
            assert ended.status == 302
            assert "/login" in (ended.headers.get("Location") or "")
