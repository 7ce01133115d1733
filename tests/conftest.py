"""Fixtures: an app per database (SQLite always, PostgreSQL when configured),
schema built by the real migrations once, and an outer transaction per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import Connection, text

from reports.caches import clear_all
from survey import create_app
from survey.config import TestConfig
from survey.extensions import db
from survey.migrate import upgrade
from survey.models import Programme, Role, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.services.users import create_user
from survey.storage.engines import make_engine
from survey.web.limits import rate_limits
from tests.helpers import FormClient, open_seed_programme

# No time limit per example: speed is measured in bench/, never asserted here,
# and a loaded machine made a correct test fail. In CI the examples are the
# same on every run, so a red run can be repeated; locally they vary and keep
# searching (that is how the t quantile's stopping rule was found wanting).
settings.register_profile("survey", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("survey")

#: The run's one headless Chromium (tests/browser and tests/judges share it).
pytest_plugins = ["tests.chromium"]

POSTGRES_URL = os.environ.get("SURVEY_TEST_DATABASE_URL", "")
#: In CI a PostgreSQL run that cannot happen is a failure, not a skip.
REQUIRE_POSTGRES = os.environ.get("SURVEY_REQUIRE_POSTGRES") == "1"


def database_params() -> list[object]:
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    params.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return params


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True)
def empty_caches() -> None:
    """Every test starts with a worker that has kept nothing (survey.caches)."""
    clear_all()


@pytest.fixture(scope="session", params=database_params())
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database: the real Alembic migrations build it."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        if not POSTGRES_URL.startswith("postgresql"):
            if REQUIRE_POSTGRES:
                pytest.fail("SURVEY_TEST_DATABASE_URL must point at PostgreSQL in this run")
            pytest.skip("set SURVEY_TEST_DATABASE_URL=postgresql+psycopg://... to run against PostgreSQL")
        url = POSTGRES_URL
        reset_postgres(url)
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def app_for_db(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        INSTANCE_DIR = tmp_path_factory.mktemp("instance")

    app = create_app(Config)
    yield app
    # Close the pool's connections now: left to the garbage collector, a
    # PostgreSQL connection warns that it was never closed, when the collector runs.
    app.extensions["survey.db"].dispose()


@pytest.fixture
def app(app_for_db: Flask) -> Iterator[Flask]:
    """The app, its session joined to an outer transaction rolled back after the test,
    and rate-limit counts that start at zero."""
    rate_limits(app_for_db).reset()
    connection: Connection = app_for_db.extensions["survey.db"].connect()
    outer = connection.begin()
    db.bind_to_connection(connection)
    try:
        with app_for_db.app_context():
            yield app_for_db
    finally:
        db.bind_to_connection(None)
        outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def forms(client: FlaskClient) -> FormClient:
    return FormClient(client)


@pytest.fixture
def definition() -> dict[str, object]:
    return load_definition(DEFAULT_QUESTIONNAIRE)


@pytest.fixture
def programme(app: Flask, definition: dict[str, object]) -> Programme:
    """An open programme of 29 trainees with the default questionnaire, like the seed case."""
    return open_seed_programme(db.session(), definition)


@pytest.fixture
def organiser(app: Flask) -> User:
    user = create_user(db.session(), "org@example.org", "correct horse", Role.ORGANISER, "Org")
    db.session.commit()
    return user


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    del config
    root = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(root / "browser"):
            item.add_marker(pytest.mark.browser)
