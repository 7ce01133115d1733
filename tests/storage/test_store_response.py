"""Sends as a server writes them: the app on a database of its own, where
every response commits in a transaction of its own (survey.storage), on
SQLite and PostgreSQL.

The other tests join each session to an outer transaction rolled back after
the test, so there the door writes in a savepoint of it, with the same
statements; here it owns its transaction, takes SQLite's writer turn and
commits.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from survey import create_app
from survey.caches import QUESTION_IDS
from survey.config import TestConfig
from survey.extensions import db
from survey.migrate import upgrade
from survey.models import Answer, Programme, Response
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.storage.engines import make_engine, statements_for, writer_turns
from tests.helpers import FormClient, Page, full_answers, open_seed_programme
from tests.web.test_form_in_one_post import send_whole
from tests.web.test_published_programme import change_elsewhere, remove_session_elsewhere
from tests.web.test_trainee_form import answers_of, stored_responses


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("migrated") / "survey.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def server_url(database_url: str, migrated_sqlite: Path, tmp_path: Path) -> Iterator[str]:
    """A migrated database that nothing joins to an outer transaction, emptied afterwards."""
    if database_url.startswith("sqlite"):
        path = tmp_path / "survey.db"
        with closing(sqlite3.connect(migrated_sqlite)) as source, closing(sqlite3.connect(path)) as target:
            source.backup(target)
        yield f"sqlite:///{path}"
        return
    yield database_url
    engine = make_engine(database_url)
    with engine.begin() as connection:
        tables = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
        ).scalars()
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def server_app(server_url: str, tmp_path: Path) -> Iterator[Flask]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = server_url
        INSTANCE_DIR = tmp_path / "instance"

    app = create_app(Config)
    with app.app_context():
        yield app
        db.session.remove()
    app.extensions["survey.db"].dispose()


@pytest.fixture
def programme(server_app: Flask) -> Programme:
    return open_seed_programme(db.session(), load_definition(DEFAULT_QUESTIONNAIRE))


@pytest.fixture
def statements_seen(server_app: Flask) -> list[str]:
    """The SQL SQLAlchemy itself sends (what goes straight to the driver is not in it)."""
    seen: list[str] = []
    engine = server_app.extensions["survey.db"]

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def stored_answers() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Answer)) or 0)


def turn_is_free(app: Flask) -> bool:
    turns = writer_turns(app.extensions["survey.db"])
    return turns is None or not turns.taken


def test_a_send_is_stored_exactly_as_typed_in_a_transaction_of_its_own(
    server_app: Flask, programme: Programme, statements_seen: list[str]
) -> None:
    typed = "Très utile — مفيد جدًا 👍\nDes « guillemets », 'apostrophes' et \"quotes\"; DROP TABLE answers; --"
    client = server_app.test_client()
    page = FormClient(client).open("niamey")
    before = datetime.now(UTC)
    sent = send_whole(client, page, full_answers(programme, {"q__comment_useful": typed}))
    after = datetime.now(UTC)
    assert sent.response.status_code == 303
    assert "Merci" in client.get(sent.response.headers["Location"]).get_data(as_text=True)
    # Written by the door on the driver's connection: SQLAlchemy sent no insert of its own.
    assert not [sql for sql in statements_seen if sql.lstrip().upper().startswith("INSERT")]
    db.session.expire_all()
    response = db.session.scalars(select(Response)).one()
    assert before <= response.submitted_at <= after
    assert response.submitted_at.tzinfo is not None
    assert (response.language, response.source, response.excluded, response.paper_number) == ("fr", "web", False, None)
    answers = answers_of(response)
    assert answers["comment_useful"] == typed
    assert "comment_improve" not in answers  # left empty: no row
    assert answers["ba_methods:after"] == 5
    assert answers["helpful_formats:workshops"] == 1
    assert answers[f"session_usefulness:{programme.sessions[0].id}"] == 4
    assert stored_answers() == len(answers)
    assert turn_is_free(server_app)


def test_a_double_send_stores_one_response_and_the_second_says_so(server_app: Flask, programme: Programme) -> None:
    client = server_app.test_client()
    page = FormClient(client).open("niamey")
    first = send_whole(client, page, full_answers(programme))
    second = send_whole(client, page, full_answers(programme))
    assert first.response.status_code == second.response.status_code == 303
    assert stored_responses() == 1
    again = client.get(second.response.headers["Location"]).get_data(as_text=True)
    assert "une seule fois" in again


def test_a_send_after_the_programme_closed_elsewhere_stores_nothing(server_app: Flask, programme: Programme) -> None:
    client = server_app.test_client()
    page = FormClient(client).open("niamey")
    change_elsewhere(programme, status="closed")
    assert send_whole(client, page, full_answers(programme)).response.status_code == 410
    assert (stored_responses(), stored_answers()) == (0, 0)


def test_a_send_naming_a_session_removed_elsewhere_comes_back_and_then_goes_through(
    server_app: Flask, programme: Programme
) -> None:
    client = server_app.test_client()
    page = FormClient(client).open("niamey")
    answers = full_answers(programme)
    removed = programme.sessions[0].id
    remove_session_elsewhere(programme, removed)
    sent = send_whole(client, page, answers)
    assert sent.response.status_code == 422
    assert sent.values["q__recommend"] == ["9"]
    assert (stored_responses(), stored_answers()) == (0, 0)
    kept = [{k: v for k, v in p.items() if str(removed) not in k} for p in answers]
    assert send_whole(client, sent, kept).response.status_code == 303
    assert stored_responses() == 1


def _send(server_app: Flask, programme: Programme) -> Page:
    client = server_app.test_client()
    return send_whole(client, FormClient(client).open("niamey"), full_answers(programme))


def test_answers_refused_after_the_response_row_leave_nothing_stored(server_app: Flask, programme: Programme) -> None:
    assert _send(server_app, programme).response.status_code == 303
    stored = (stored_responses(), stored_answers())
    # A question id the database does not know: the response row goes in, then
    # its answers break a foreign key. Nothing of that response may remain.
    key = programme.questionnaire_key
    ids = QUESTION_IDS.get(key)
    assert ids is not None
    QUESTION_IDS.put(key, {**ids, "recommend": 999_999})
    with pytest.raises(statements_for(server_app.extensions["survey.db"]).IntegrityError):
        _send(server_app, programme)
    assert (stored_responses(), stored_answers()) == stored
    assert turn_is_free(server_app)
    QUESTION_IDS.put(key, ids)
    assert _send(server_app, programme).response.status_code == 303
    assert stored_responses() == 2


def test_a_database_error_mid_write_rolls_back_and_frees_the_turn(
    server_app: Flask, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    sql = statements_for(server_app.extensions["survey.db"])
    gone = sql.INSERT_ANSWERS.replace("INSERT INTO answers", "INSERT INTO answers_gone")
    monkeypatch.setattr(sql, "INSERT_ANSWERS", gone)
    with pytest.raises(Exception, match="answers_gone"):
        _send(server_app, programme)
    assert (stored_responses(), stored_answers()) == (0, 0)
    assert turn_is_free(server_app)
    monkeypatch.undo()
    assert _send(server_app, programme).response.status_code == 303
    assert stored_responses() == 1
    assert stored_answers() == len(answers_of(db.session.scalars(select(Response)).one()))


def test_trainees_sending_at_once_are_each_stored_once(server_app: Flask, programme: Programme) -> None:
    pages = full_answers(programme)
    statuses: list[int] = []
    failures: list[BaseException] = []

    def trainee() -> None:
        try:
            with server_app.app_context():
                client = server_app.test_client()
                page = FormClient(client).open("niamey")
                for _tap in range(2):  # every trainee taps twice
                    statuses.append(send_whole(client, page, pages).response.status_code)
        except BaseException as exc:  # reported below: a thread's error would be lost
            failures.append(exc)

    threads = [threading.Thread(target=trainee) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures
    assert statuses == [303] * 16
    assert stored_responses() == 8
    keys = db.session.scalars(select(Response.idempotency_key)).all()
    assert len(set(keys)) == 8
    assert stored_answers() == 8 * len(answers_of(db.session.scalars(select(Response)).first()))
