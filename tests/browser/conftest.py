"""Fixtures for the browser tests: a live server on a migrated SQLite file with
the demo programme, and headless Chromium driven by Playwright.

Chromium is Debian's (/usr/bin/chromium); Playwright's own browser download is
never used. Without Chromium the browser tests skip, except in CI (CI=true),
where a missing browser is a failure: CI must install it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from tests.chromium import CHROMIUM, CHROMIUM_ARGS, _in_ci  # noqa: F401  (imported from here by tests)

#: The phone most trainees hold: a small Android screen.
PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DEMO_EMAIL = "organiser@example.org"
DEMO_PASSWORD = "demo-password"


@dataclass
class LiveServer:
    url: str
    engine: Engine
    slug: str
    #: "METHOD /path" of every request the server received, in order.
    seen: list[str] = field(default_factory=list)
    #: Seconds each POST waits before the application handles it (a slow link).
    post_delay: float = 0.0

    @contextmanager
    def slow_posts(self, seconds: float) -> Iterator[None]:
        """Hold every POST for ``seconds`` before handling it, as a slow connection does."""
        self.post_delay = seconds
        try:
            yield
        finally:
            self.post_delay = 0.0

    def form_url(self, lang: str) -> str:
        return f"{self.url}/s/{self.slug}?lang={lang}"

    def count_responses(self) -> int:
        from survey.models import Response

        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Response)) or 0)

    def latest_response(self) -> tuple[str, dict[str, Any]]:
        """The language and the answers ("code" or "code:item" -> number or text) of the newest response."""
        from survey.models import Answer, Question, Response

        with Session(self.engine) as session:
            response = session.scalars(select(Response).order_by(Response.submitted_at.desc()).limit(1)).one()
            rows = session.execute(
                select(Question.code, Answer.item, Answer.number, Answer.text)
                .join(Question, Question.id == Answer.question_id)
                .where(Answer.response_id == response.id)
            )
            answers = {
                code + (":" + item if item else ""): number if number is not None else text
                for code, item, number, text in rows
            }
            return response.language, answers


class _TestServerApp:
    """WSGI wrapper: records requests and can slow POSTs down (to make a double tap land twice)."""

    def __init__(self, wsgi_app: Any, engine: Engine) -> None:
        self.wsgi_app = wsgi_app
        self.engine = engine
        self.server: LiveServer | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        method = environ["REQUEST_METHOD"]
        if self.server is not None:
            self.server.seen.append(f"{method} {environ.get('PATH_INFO', '')}")
            if method == "POST" and self.server.post_delay:
                time.sleep(self.server.post_delay)
        return self.wsgi_app(environ, start_response)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The application on 127.0.0.1 (any free port), with the demo programme open."""
    from survey import create_app
    from survey.config import TestConfig
    from survey.migrate import upgrade
    from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
    from survey.services.demo import DEMO_SLUG, ensure_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'survey.db'}"
    upgrade(url)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = tmp_path_factory.mktemp("browser-instance")

    app = create_app(Config)
    engine: Engine = app.extensions["survey.db"]
    with Session(engine, expire_on_commit=False) as session:
        ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), DEMO_EMAIL, DEMO_PASSWORD)
        session.commit()

    wsgi = _TestServerApp(app, engine)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, wsgi, threaded=True)
    wsgi.server = live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", engine=engine, slug=DEMO_SLUG)
    thread = threading.Thread(target=server.serve_forever, name="browser-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()


@pytest.fixture
def new_phone(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """Opens fresh phone contexts (own cookies and storage); ``new_phone(java_script_enabled=False)``."""
    contexts: list[Any] = []

    def open_context(**overrides: Any) -> Any:
        context = browser.new_context(**{**PHONE, "base_url": live_server.url, **overrides})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def phone(new_phone: Any) -> Any:
    """A page on a phone with JavaScript on."""
    return new_phone().new_page()
