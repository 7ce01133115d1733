"""The floor to compare with: Flask and SQLAlchemy with nothing else.

GET /bare reads one row and answers a tiny page; POST /bare inserts one row and
answers 303, like the trainee form's last page. Same database, same gunicorn
options, and on SQLite the same durability settings as the application (WAL,
and survey.storage.engines.SQLITE_SYNCHRONOUS: an acknowledged row survives a
power cut in both), so the difference is the application's own work.

Served as ``gunicorn 'bench.bare_app:create_app()'`` with the database URL in
BENCH_BARE_DATABASE_URL; the bench creates the table before starting it.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
)

URL_VARIABLE = "BENCH_BARE_DATABASE_URL"

metadata = MetaData()
rows = Table(
    "bench_bare",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), nullable=False, unique=True),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Imported here: importing survey reads its settings from the environment, which a
    # benchmark that imports this module sets only later (bench.databases.Database.app_env).
    from survey.storage.engines import SQLITE_SYNCHRONOUS

    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url)


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ[URL_VARIABLE])

    @app.get("/bare")
    def show() -> ResponseReturnValue:
        with engine.connect() as connection:
            last = connection.scalar(select(func.max(rows.c.id)))
        key = uuid.uuid4().hex
        return f'<form method="post"><input type="hidden" name="key" value="{key}"><p>{last or 0}</p></form>'

    @app.post("/bare")
    def insert() -> ResponseReturnValue:
        with engine.begin() as connection:
            connection.execute(
                rows.insert().values(
                    key=request.form["key"], payload=request.form.get("payload", ""), created_at=datetime.now(UTC)
                )
            )
        return redirect("/bare", code=303)

    return app
