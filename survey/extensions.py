"""Unbound singletons, bound to an application by ``create_app``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from flask import Flask, current_app, has_app_context
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker


class Database:
    """A SQLAlchemy engine and a request-scoped session for one application.

    Plain SQLAlchemy rather than Flask-SQLAlchemy so that models, services and
    tests use the 2.0 API directly (``select()``, ``session.execute``).
    """

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._test_connection: Connection | None = None
        # scoped_session takes any session factory; its stubs only name sessionmaker.
        self.session: scoped_session[Session] = scoped_session(cast("sessionmaker[Session]", self._new_session))

    def _new_session(self) -> Session:
        if self._test_connection is not None:
            # Join the test's outer transaction: a service's commit() only releases a savepoint.
            return Session(bind=self._test_connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        return Session(bind=self.engine, expire_on_commit=False)

    def bind_to_connection(self, connection: Connection | None) -> None:
        """Tests: make new sessions join ``connection`` (None to go back to the app's engine)."""
        self.session.remove()
        self._test_connection = connection

    @property
    def engine(self) -> Engine:
        """The engine of the current application (the last one bound, outside a request)."""
        if has_app_context() and "survey.db" in current_app.extensions:
            return current_app.extensions["survey.db"]  # type: ignore[no-any-return]
        if self._engine is None:
            raise RuntimeError("the database is not bound to an application yet")
        return self._engine

    def init_app(self, app: Flask, engine: Engine) -> None:
        """Bind to ``app`` with ``engine`` (made by survey.storage.engines.make_engine)."""
        self._engine = app.extensions["survey.db"] = engine
        app.teardown_appcontext(self._remove_session)

    def _remove_session(self, exc: BaseException | None) -> None:
        self.session.remove()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


db = Database()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
