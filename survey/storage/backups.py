"""Copies of the SQLite database on the organiser's laptop: made while it
serves, restored by hand.

A copy goes through SQLite's online backup API: it reads one consistent
snapshot while trainees keep writing (in WAL mode readers never block the
writer), where copying the file could catch a page half written or miss what
still sits in the ``-wal`` file. Each copy is one self-contained file
(journal mode DELETE) that any SQLite tool opens. This module is about the
SQLite file alone; PostgreSQL has its own tools (pg_dump).
"""

from __future__ import annotations

import filecmp
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

_log = logging.getLogger(__name__)

#: The copies' folder, inside the instance folder.
FOLDER_NAME = "backups"
#: How long a restore waits for another connection before it calls the database in use.
_IN_USE_WAIT_SECONDS = 1.0


class BackupError(Exception):
    """A copy cannot be made or restored; the message says why, for a person."""


class DatabaseInUse(BackupError):
    """Another connection has the database open: a server is running on it."""


@dataclass(frozen=True)
class Copy:
    path: Path
    #: False when nothing had changed since the newest copy, which stands in for a new one.
    new: bool


#: Why a server database has no copies here.
NOT_A_FILE = "the database is not the embedded SQLite file (use its own tools, such as pg_dump and pg_restore)"


def database_file(url: str) -> Path:
    """The file of the embedded (SQLite) database at ``url``; BackupError for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(NOT_A_FILE)
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database cannot be copied")
    return Path(parsed.database).resolve()


def folder_in(instance_dir: Path) -> Path:
    """The copies' folder in ``instance_dir``, created readable by its owner only."""
    folder = instance_dir / FOLDER_NAME
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def copies_of(database: Path, folder: Path) -> list[Path]:
    """The copies of ``database`` in ``folder``, oldest first."""
    found = [path for path in folder.glob(f"{database.stem}-*.db") if path.is_file()]
    return sorted(found, key=lambda path: (path.stat().st_mtime_ns, path.name))


def back_up(database: Path, folder: Path, keep: int, *, now: datetime | None = None) -> Copy:
    """Copy ``database`` into ``folder`` as ``<name>-YYYYMMDD-HHMMSS.db``, then keep
    only the newest ``keep`` copies.

    When nothing changed since the newest copy, that copy is kept and no new
    one is written, so that an idle evening does not push the day's copies out.
    """
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    with closing(_connect(database, timeout=30.0)) as source:
        written = _write_copy(source, folder, database.stem, now or datetime.now())
    copies = copies_of(database, folder)
    previous = copies[-2] if len(copies) > 1 else None
    if previous is not None and filecmp.cmp(previous, written, shallow=False):
        written.unlink()
        return Copy(previous, new=False)
    _keep_newest(database, folder, keep)
    return Copy(written, new=True)


def back_up_to(database: Path, target: Path) -> Path:
    """Copy ``database`` to the file ``target`` (a USB stick, say), replacing it."""
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    partial = target.with_name(target.name + ".partial")
    with closing(_connect(database, timeout=30.0)) as source:
        _copy(source, partial)
    os.replace(partial, target)
    return target


def restore(copy: Path, database: Path, folder: Path, keep: int, *, force: bool = False) -> Copy | None:
    """Replace what ``database`` holds with ``copy``, after copying it aside.

    Returns the copy of what was replaced (None when there was no database).
    Raises BackupError for a file that is not a sound copy of this service's
    database, and DatabaseInUse while another connection has the database
    open (a running server), unless ``force``: the server then goes on with
    what it had kept in memory, so it must be restarted at once.
    """
    _check_copy(copy)
    existed = database.is_file() and database.stat().st_size > 0
    database.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(database, timeout=_IN_USE_WAIT_SECONDS, isolation_level=None)) as live:
        if not force:
            _hold_alone(live, database)
        saved = None
        if existed:
            saved = Copy(_write_copy(live, folder, f"{database.stem}", datetime.now(), "before-restore"), new=True)
        with closing(sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)) as source:
            source.backup(live)
    os.chmod(database, 0o600)
    _keep_newest(database, folder, keep)
    return saved


class Schedule:
    """Copies the database every ``minutes`` in a thread of its own, and once
    more when stopped (the server closing). A failed copy is reported and the
    schedule goes on: a full disk must not stop the room's server."""

    def __init__(self, make_copy: Callable[[], Copy], minutes: float, report: Callable[[str], None]) -> None:
        self._make_copy = make_copy
        self._seconds = minutes * 60
        self._report = report
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="survey-backups", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> Copy | None:
        """Stop the schedule and make the closing copy; None if it failed."""
        self._stopped.set()
        self._thread.join()
        return self._copy_once()

    def _run(self) -> None:
        while not self._stopped.wait(self._seconds):
            self._copy_once()

    def _copy_once(self) -> Copy | None:
        try:
            copy = self._make_copy()
        except (BackupError, OSError, sqlite3.Error) as exc:
            _log.exception("backup failed")
            self._report(f"backup failed: {exc}")
            return None
        self._report(f"backup {'written' if copy.new else 'unchanged'}: {copy.path}")
        return copy


def _connect(database: Path, timeout: float) -> sqlite3.Connection:
    # mode=rw: never create an empty database where the real one was expected.
    return sqlite3.connect(f"{database.as_uri()}?mode=rw", uri=True, timeout=timeout, isolation_level=None)


def _write_copy(source: sqlite3.Connection, folder: Path, stem: str, now: datetime, suffix: str = "") -> Path:
    name = f"{stem}-{now:%Y%m%d-%H%M%S}" + (f"-{suffix}" if suffix else "")
    target, number = folder / f"{name}.db", 1
    while target.exists():  # two copies in the same second (the closing one after an hourly one)
        number += 1
        target = folder / f"{name}-{number}.db"
    partial = folder / f"{target.name}.partial"
    _copy(source, partial)
    os.replace(partial, target)
    return target


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """SQLite's online backup of ``source`` into the file ``target``, readable by its owner only."""
    target.unlink(missing_ok=True)
    with closing(sqlite3.connect(target, isolation_level=None)) as copy:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    os.chmod(target, 0o600)


def _keep_newest(database: Path, folder: Path, keep: int) -> None:
    for old in copies_of(database, folder)[: -max(keep, 1)]:
        old.unlink(missing_ok=True)


def _check_copy(copy: Path) -> None:
    if not copy.is_file():
        raise BackupError(f"there is no file {copy}")
    try:
        with closing(sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)) as connection:
            check = connection.execute("PRAGMA quick_check").fetchone()
            ours = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{copy} is not a SQLite database ({exc})") from exc
    if check != ("ok",):
        raise BackupError(f"{copy} is damaged: {check[0] if check else 'no answer to quick_check'}")
    if ours is None:
        raise BackupError(f"{copy} is not a copy of this service's database (it has no schema version)")


def _hold_alone(live: sqlite3.Connection, database: Path) -> None:
    """Take the database for this connection alone, or raise DatabaseInUse.

    A connection in WAL mode keeps a shared lock on the file for as long as it
    is open, even idle, so an exclusive lock is refused while any process has
    the database open. In EXCLUSIVE locking mode the lock then stays with this
    connection until it closes.
    """
    live.execute("PRAGMA locking_mode=EXCLUSIVE")
    try:
        live.execute("BEGIN EXCLUSIVE")
    except sqlite3.OperationalError as exc:
        raise DatabaseInUse(
            f"{database} is in use (a server or another program has it open): stop it first, "
            "or pass --force and restart the server at once"
        ) from exc
    live.execute("COMMIT")


@contextmanager
def held_open(url: str) -> Iterator[Path | None]:
    """Keep a connection to the SQLite database open while serving, so that
    ``survey restore`` sees it in use from the start; yields its file (None
    for another database)."""
    try:
        database = database_file(url)
    except BackupError:
        yield None
        return
    with closing(sqlite3.connect(database, isolation_level=None)) as connection:
        connection.execute("PRAGMA schema_version").fetchone()  # a read takes the shared lock
        yield database
