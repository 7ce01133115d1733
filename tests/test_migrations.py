"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from survey.migrate import downgrade, upgrade
from survey.models import Base
from survey.storage.engines import make_engine


def test_upgrade_from_empty_gives_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_downgrade_to_empty_and_back(database_url: str) -> None:
    downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(database_url)
    assert {"programmes", "responses", "answers", "questions"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_database_refuses_what_the_model_forbids(database_url: str) -> None:
    """The invariants live in the database too, not only in Python."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        transaction = connection.begin()
        connection.execute(
            text(
                "INSERT INTO questionnaires (id, code, version, title, definition, created_at)"
                " VALUES (990, 'q', 1, '{}', '{}', CURRENT_TIMESTAMP)"
            )
        )
        insert = (
            "INSERT INTO programmes (slug, title, location, country, timezone, languages, status, questionnaire_id,"
            " description, created_at, access_mode, series) VALUES (:slug, 't', '', '', 'UTC', '[]', :status, 990, '',"
            " CURRENT_TIMESTAMP, :mode, '')"
        )
        for status, mode in (("bogus", "link"), ("open", "bogus")):
            savepoint = connection.begin_nested()
            with pytest.raises(IntegrityError):
                connection.execute(text(insert), {"slug": f"s-{status}-{mode}", "status": status, "mode": mode})
            savepoint.rollback()
        connection.execute(text(insert), {"slug": "ok", "status": "archived", "mode": "codes"})
        transaction.rollback()
    engine.dispose()
