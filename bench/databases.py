"""The databases under test: made fresh, migrated, loaded with the demo, then checked."""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import column, create_engine, func, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench import bare_app
from bench.server import REPO

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
#: Shared by both workers (a key per worker would break every form posted to the other).
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway server on loopback


class Unavailable(Exception):
    """The database cannot be reached; its runs are skipped."""


@dataclass(frozen=True)
class Database:
    name: str
    url: str
    #: The instance folder (secret key, SQLite file).
    instance: Path

    def app_env(self) -> dict[str, str]:
        return {
            "SURVEY_DATABASE_URL": self.url,
            "SURVEY_INSTANCE_PATH": str(self.instance),
            "SURVEY_SECRET_KEY": SECRET_KEY,
            "SURVEY_SECURE_COOKIES": "0",
            # gunicorn's workers share their rate-limit counts, as in production (README.md).
            "SURVEY_REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            bare_app.URL_VARIABLE: self.url,
        }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--database and --postgres-url, for the tools that measure one database."""
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))


def fresh(name: str, workdir: Path, postgres_url: str) -> Database:
    """A new empty database: "sqlite" under ``workdir``, or "postgresql" at ``postgres_url``."""
    return sqlite(workdir) if name == "sqlite" else postgresql(workdir, postgres_url)


def sqlite(workdir: Path) -> Database:
    instance = workdir / "sqlite"
    instance.mkdir(parents=True, exist_ok=True)
    return Database("sqlite", f"sqlite:///{instance / 'survey.db'}", instance)


def postgresql(workdir: Path, url: str) -> Database:
    """Drop and create the database named in ``url`` (never one called test or postgres)."""
    target = make_url(url)
    name = target.database or ""
    if name in {"", "postgres", "test", "template0", "template1"}:
        raise ValueError(f"refusing to recreate database {name!r}: name a benchmark database")
    admin = create_engine(target.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any driver error means: no PostgreSQL here
        raise Unavailable(f"PostgreSQL at {target.render_as_string(hide_password=True)}: {exc}") from exc
    finally:
        admin.dispose()
    instance = workdir / "postgresql"
    instance.mkdir(parents=True, exist_ok=True)
    return Database("postgresql", url, instance)


def migrate_and_load_demo(database: Database) -> None:
    """``survey db upgrade`` then ``survey demo --responses 0``, as an operator would."""
    env = {**os.environ, **database.app_env()}
    for arguments in (["db", "upgrade"], ["demo", "--responses", "0"]):
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from survey.cli import main; sys.exit(main())", *arguments],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"survey {' '.join(arguments)} failed on {database.name}:\n{done.stderr[-3000:]}")


def journal_mode(database: Database) -> str:
    """SQLite's journal mode as stored in the file (WAL persists), read without the
    application's pragmas; "" for other databases."""
    if database.name != "sqlite":
        return ""
    with closing(sqlite3.connect(make_url(database.url).database or "")) as connection:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])


def create_bare_table(database: Database) -> None:
    engine = create_engine(database.url, poolclass=NullPool)
    try:
        bare_app.metadata.drop_all(engine)
        bare_app.metadata.create_all(engine)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Check:
    acknowledged: int
    stored: int
    #: Acknowledged keys with no row: lost answers.
    missing: int

    @property
    def ok(self) -> bool:
        return self.missing == 0 and self.stored == self.acknowledged


def count_rows(database: Database, table_name: str) -> int:
    engine = create_engine(database.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(table(table_name))) or 0)
    finally:
        engine.dispose()


def check_stored(database: Database, table_name: str, key_column: str, before: int, keys: Iterable[str]) -> Check:
    """Every acknowledged key must have its row, and the table must have grown by
    exactly the acknowledged count since ``before``."""
    wanted = set(keys)
    engine = create_engine(database.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            stored_keys: set[str] = set(connection.scalars(select(column(key_column)).select_from(table(table_name))))
    finally:
        engine.dispose()
    return Check(acknowledged=len(wanted), stored=len(stored_keys) - before, missing=len(wanted - stored_keys))
