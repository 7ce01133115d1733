"""Copies of the SQLite database: made while it is written to, kept a few at a
time, restored only when no server has it open (or when forced), and by hand
with `survey backup` / `survey restore`."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from survey.services.demo import DEMO_SLUG, add_random_responses
from survey.services.programmes import find_programme
from survey.storage import backups
from tests.serving import room_app, stored

NOON = datetime(2026, 11, 27, 12, 0, 0)


def make_database(path: Path, notes: int = 1) -> Path:
    """A small database in WAL mode with the schema-version table of the service's own."""
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE alembic_version (version_num TEXT)")
        connection.execute("CREATE TABLE notes (text TEXT)")
        for number in range(notes):
            connection.execute("INSERT INTO notes VALUES (?)", (f"note {number}",))
    return path


def notes_in(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("SELECT count(*) FROM notes").fetchone()[0])


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return make_database(tmp_path / "survey.db")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return backups.folder_in(tmp_path / "instance")


def test_a_copy_is_one_self_contained_file_for_its_owner_only(database: Path, folder: Path) -> None:
    copy = backups.back_up(database, folder, keep=5, now=NOON)
    assert copy.new
    assert copy.path == folder / "survey-20261127-120000.db"
    assert copy.path.stat().st_mode & 0o077 == 0
    assert folder.stat().st_mode & 0o077 == 0
    with closing(sqlite3.connect(copy.path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert notes_in(copy.path) == 1
    assert sorted(path.name for path in folder.iterdir()) == [copy.path.name]  # no -wal, no .partial


def test_a_copy_is_made_while_a_writer_holds_the_database(database: Path, folder: Path) -> None:
    """A trainee's write in progress neither blocks the copy nor half-appears in it."""
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO notes VALUES ('being written')")
        during = backups.back_up(database, folder, keep=5, now=NOON)
        writer.execute("COMMIT")
    after = backups.back_up(database, folder, keep=5, now=NOON + timedelta(hours=1))
    assert (notes_in(during.path), notes_in(after.path)) == (1, 2)


def test_an_unchanged_database_keeps_its_last_copy_instead_of_a_new_one(database: Path, folder: Path) -> None:
    first = backups.back_up(database, folder, keep=5, now=NOON)
    again = backups.back_up(database, folder, keep=5, now=NOON + timedelta(hours=1))
    assert again == backups.Copy(first.path, new=False)
    assert backups.copies_of(database, folder) == [first.path]


def test_only_the_newest_copies_are_kept(database: Path, folder: Path) -> None:
    made = []
    for hour in range(5):
        with closing(sqlite3.connect(database, isolation_level=None)) as connection:
            connection.execute("INSERT INTO notes VALUES ('another')")
        made.append(backups.back_up(database, folder, keep=3, now=NOON + timedelta(hours=hour)).path)
    assert backups.copies_of(database, folder) == made[-3:]


def test_restore_refuses_a_database_in_use_and_changes_nothing(database: Path, folder: Path) -> None:
    copy = backups.back_up(database, folder, keep=5, now=NOON)
    with closing(sqlite3.connect(database, isolation_level=None)) as server:
        server.execute("INSERT INTO notes VALUES ('after the copy')")  # a server that has read and written
        with pytest.raises(backups.DatabaseInUse, match="in use"):
            backups.restore(copy.path, database, folder, keep=5)
    assert notes_in(database) == 2
    assert backups.copies_of(database, folder) == [copy.path]


def test_restore_puts_the_copy_back_and_keeps_what_it_replaced(database: Path, folder: Path) -> None:
    copy = backups.back_up(database, folder, keep=5, now=NOON)
    with closing(sqlite3.connect(database, isolation_level=None)) as connection:
        connection.execute("INSERT INTO notes VALUES ('after the copy')")
    saved = backups.restore(copy.path, database, folder, keep=5)
    assert notes_in(database) == 1
    assert saved is not None
    assert saved.path.name.endswith("-before-restore.db")
    assert notes_in(saved.path) == 2


def test_restore_by_force_reaches_a_connection_that_stays_open(database: Path, folder: Path) -> None:
    copy = backups.back_up(database, folder, keep=5, now=NOON)
    with closing(sqlite3.connect(database, isolation_level=None)) as server:
        server.execute("INSERT INTO notes VALUES ('after the copy')")
        backups.restore(copy.path, database, folder, keep=5, force=True)
        assert server.execute("SELECT count(*) FROM notes").fetchone() == (1,)


def test_restore_into_a_new_place_needs_no_database_there(database: Path, folder: Path, tmp_path: Path) -> None:
    copy = backups.back_up(database, folder, keep=5, now=NOON)
    fresh = tmp_path / "new-laptop" / "survey.db"
    assert backups.restore(copy.path, fresh, folder, keep=5) is None
    assert notes_in(fresh) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a database at all, just text" * 100, "not a SQLite database"), (None, "not a copy of this service")],
)
def test_restore_refuses_what_is_not_a_copy_of_this_service(
    database: Path, folder: Path, tmp_path: Path, content: bytes | None, message: str
) -> None:
    other = tmp_path / "other.db"
    if content is None:
        with closing(sqlite3.connect(other)) as connection:
            connection.execute("CREATE TABLE something (x)")
    else:
        other.write_bytes(content)
    with pytest.raises(backups.BackupError, match=message):
        backups.restore(other, database, folder, keep=5)
    assert notes_in(database) == 1


def test_other_databases_are_not_copied_here() -> None:
    with pytest.raises(backups.BackupError, match="pg_dump"):
        backups.database_file("postgresql+psycopg://survey@127.0.0.1/survey")


def test_the_schedule_copies_on_its_own_and_once_more_when_stopped(database: Path, folder: Path) -> None:
    made: list[backups.Copy] = []
    twice = threading.Event()

    def copy_now() -> backups.Copy:
        made.append(backups.Copy(database, new=True))
        if len(made) >= 2:
            twice.set()
        return made[-1]

    schedule = backups.Schedule(copy_now, minutes=0.001, report=lambda line: None)
    schedule.start()
    assert twice.wait(30)
    before_stop = len(made)
    closing_copy = schedule.stop()
    assert closing_copy is not None
    assert len(made) in {before_stop + 1, before_stop + 2}  # at most one more tick, then the closing copy


def test_a_failed_copy_is_reported_and_the_schedule_goes_on(tmp_path: Path, folder: Path) -> None:
    reports: list[str] = []
    missing = tmp_path / "gone.db"
    schedule = backups.Schedule(lambda: backups.back_up(missing, folder, keep=3), minutes=60, report=reports.append)
    schedule.start()
    assert schedule.stop() is None
    assert reports == [f"backup failed: there is no database at {missing}"]


# -- by hand: survey backup / survey restore -----------------------------------------------------


@pytest.fixture
def laptop(tmp_path: Path) -> Iterator[Flask]:
    app = room_app(tmp_path)
    with app.app_context():
        yield app
    app.extensions["survey.db"].dispose()


def add_responses(app: Flask, count: int) -> None:
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        add_random_responses(session, find_programme(session, DEMO_SLUG), count, seed=len(stored(app)) + 1)


def test_backup_then_restore_by_hand(laptop: Flask, tmp_path: Path) -> None:
    runner = laptop.test_cli_runner()
    add_responses(laptop, 3)
    made = runner.invoke(args=["backup"])
    assert made.exit_code == 0, made.output
    copy = Path(made.output.strip().removeprefix("wrote "))
    assert copy.parent == tmp_path / "instance" / "backups"
    add_responses(laptop, 2)

    refused = runner.invoke(args=["restore", str(copy)])  # the pool still holds a connection, as a server does
    assert refused.exit_code == 1
    assert "is in use" in refused.output
    assert "--force" in refused.output
    assert len(stored(laptop)) == 5

    laptop.extensions["survey.db"].dispose()  # the server stopped
    listed = runner.invoke(args=["restore"])
    assert str(copy) in listed.output
    restored = runner.invoke(args=["restore", str(copy)])
    assert restored.exit_code == 0, restored.output
    assert f"restored {copy}" in restored.output
    assert "-before-restore.db" in restored.output
    assert len(stored(laptop)) == 3


def test_backup_to_a_file_of_ones_choice(laptop: Flask, tmp_path: Path) -> None:
    target = tmp_path / "usb-stick" / "room.db"
    target.parent.mkdir()
    result = laptop.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("SELECT slug FROM programmes").fetchall() == [(DEMO_SLUG,)]
