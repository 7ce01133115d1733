"""The site the outside judges look at: a live server on a migrated SQLite file
with the demo programme, its 24 demo responses (so that every organiser and
evaluator page has something to show, the HTML report included) and a second
programme that asks for invitation codes (the code entry page).

`pages_to_judge` walks the site as people do, in a real browser, and returns
each page state once: its name, its address and the HTML the server sent, so
that axe-core can judge the page in the browser and the Nu validator the
markup. Everything talks to 127.0.0.1 only."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

from tests.browser.conftest import DEMO_EMAIL, DEMO_PASSWORD, PHONE

LANGUAGES = ("fr", "ar", "en")
CODES_SLUG = "codes-demo"
ADMIN_EMAIL = "admin@example.org"
#: A laptop's screen, for the organiser's and the evaluator's pages.
LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
#: The demo questionnaire's pages.
FORM_PAGES = 3
DONE_URL = re.compile(r"/s/[^/]+/done$")


@dataclass
class Site:
    url: str
    engine: Engine
    slug: str
    #: An unused invitation code of the codes programme.
    code: str
    #: Every request answered: "METHOD /path?query" and the bytes sent back (status line,
    #: headers and the body as sent, compressed when it was), in order.
    wire: list[tuple[str, int]] = field(default_factory=list)

    def form_url(self, lang: str) -> str:
        return f"{self.url}/s/{self.slug}?lang={lang}"


class WireMeter:
    """WSGI wrapper that counts what goes on the wire for each request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.site: Site | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        name = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}{'?' + query if query else ''}"
        head = [0]

        def counting_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            head[0] = len(f"HTTP/1.1 {status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers) + 2
            return start_response(status, headers, *rest)

        answer = self.app(environ, counting_start)
        try:
            body = list(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        if self.site is not None:
            self.site.wire.append((name, head[0] + sum(map(len, body))))
        return body


@dataclass
class Judged:
    """One page state: what a person sees at ``url``; ``html`` is what the server sent."""

    name: str
    url: str
    html: str


@contextmanager
def serve_site(folder: Path) -> Iterator[Site]:
    """The application on 127.0.0.1 (any free port) until the block ends."""
    from survey import create_app
    from survey.config import TestConfig
    from survey.migrate import upgrade
    from survey.models import AccessMode, ProgrammeStatus, Role
    from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
    from survey.services import access, codes
    from survey.services.demo import DEMO_SLUG, add_random_responses, ensure_demo
    from survey.services.programmes import create_programme
    from survey.services.users import create_user, find_user

    url = f"sqlite:///{folder / 'survey.db'}"
    upgrade(url)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = folder / "instance"

    app = create_app(Config)
    engine: Engine = app.extensions["survey.db"]
    with Session(engine, expire_on_commit=False) as session:
        programme, _ = ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), DEMO_EMAIL, DEMO_PASSWORD)
        session.commit()  # the storage door reads the questions on a connection of its own
        add_random_responses(session, programme, 24)
        with_codes = create_programme(
            session,
            slug=CODES_SLUG,
            title="Atelier sur invitation",
            questionnaire=programme.questionnaire,
            location="Niamey",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 2),
            languages=LANGUAGES,
        )
        with_codes.move_to(ProgrammeStatus.OPEN)
        create_user(session, ADMIN_EMAIL, DEMO_PASSWORD, Role.ADMIN, "Administratrice")
        organiser = find_user(session, DEMO_EMAIL)
        assert organiser is not None
        access.grant(session, organiser, with_codes)
        session.commit()
        # Both start afresh (a rollback) and commit.
        codes.set_access_mode(session, with_codes, AccessMode.CODES)
        code = codes.issue_codes(session, with_codes, 3)[0]

    meter = WireMeter(app)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, meter, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="judged-site", daemon=True)
    thread.start()
    meter.site = site = Site(url=f"http://127.0.0.1:{server.server_port}", engine=engine, slug=DEMO_SLUG, code=code)
    try:
        yield site
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        engine.dispose()


# -- walking the site as people do --------------------------------------------------------------


def _answer_shown_page(page: Page) -> None:
    """Tap a choice in every required question of the form page shown, fill its text boxes."""
    shown = page.locator("[data-form-page]:not([hidden])")
    for question in shown.locator("fieldset.question:has(> legend .required)").all():
        names: list[str] = question.locator("input[type=radio], input[type=checkbox]").evaluate_all(
            "els => [...new Set(els.map(e => e.name))]"
        )
        for name in names:
            labels = question.locator(f"label.choice:has(input[name='{name}'])")
            labels.nth(max(labels.count() - 2, 0)).tap()
        for box in question.locator("textarea, input[type=text]").all():
            box.fill("Réponse")


def _tap(page: Page, action: str) -> None:
    page.locator(f"[data-form-page]:not([hidden]) .form-nav button[name=action][value={action}]").tap()


def _sent_html(page: Page) -> str:
    """What the server sends for the page's address now (its markup before any script ran)."""
    reply = page.request.get(page.url)
    assert reply.ok, f"{page.url}: {reply.status}"
    return reply.text()


def walk_trainee(browser: Browser, site: Site, judge: Any) -> None:
    """Every page of the demo form and its receipt in fr, ar and en, then the code entry
    page, on a phone: ``judge(name, page, html)`` is called on each state."""
    for lang in LANGUAGES:
        context = browser.new_context(**PHONE, base_url=site.url)
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            page.goto(site.form_url(lang))
            html = _sent_html(page)
            for number in range(FORM_PAGES):
                shown = page.locator("[data-form-page]:not([hidden])")
                expect(shown).to_have_attribute("data-form-page", str(number))
                judge(f"form {lang} page {number + 1}", page, html)
                _answer_shown_page(page)
                _tap(page, "send" if number == FORM_PAGES - 1 else "next")
            page.wait_for_url(DONE_URL)
            expect(page.locator(".receipt strong")).to_be_visible()
            judge(f"receipt {lang}", page, _sent_html(page))
            page.goto(f"/s/{CODES_SLUG}?lang={lang}")
            expect(page.locator("input[name=code]")).to_be_visible()
            judge(f"code entry {lang}", page, _sent_html(page))
        finally:
            context.close()


def _sign_in(page: Page, email: str) -> None:
    page.goto("/login?lang=en")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)


def _first_href(page: Page, selector: str) -> str:
    href = page.locator(selector).first.get_attribute("href")
    assert href, f"no link {selector} on {page.url}"
    return href


def walk_staff(browser: Browser, site: Site, judge: Any) -> None:
    """Login, then every organiser, evaluator and administrator page of the demo
    programme, in English; ``judge(name, page, html)`` on each."""
    slug = site.slug
    context = browser.new_context(**LAPTOP, base_url=site.url)
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()

        def visit(name: str, path: str) -> None:
            reply = page.goto(path)
            assert reply is not None, path
            assert reply.ok, f"{path}: {reply.status}"
            judge(name, page, reply.text())

        visit("login", "/login?lang=en")
        visit("login fr", "/login?lang=fr")
        visit("login ar", "/login?lang=ar")
        _sign_in(page, DEMO_EMAIL)
        visit("programmes", "/o/")
        visit("dashboard", f"/o/{slug}")
        visit("dashboard projector", f"/o/{slug}?view=projector")
        visit("new programme", "/o/new")
        visit("programme settings", f"/o/{slug}/settings")
        visit("codes", f"/o/{slug}/codes")
        visit("code cards", f"/o/{CODES_SLUG}/codes/cards")
        visit("poster", f"/o/{slug}/poster")
        visit("kit and kiosks", f"/o/{slug}/kit")
        page.locator("button[data-paper]").first.click()
        page.wait_for_url(re.compile(r"/e/jobs/"))
        judge("paper form job", page, _sent_html(page))
        visit("paper entry", f"/o/{slug}/entry")
        visit("printable paper form", f"/o/{slug}/paper.html?copies=2")
        visit("responses", f"/o/{slug}/responses")
        visit("one response", _first_href(page, "a[href*='/responses/']"))
        visit("comments", f"/o/{slug}/comments")
        visit("saved answers", f"/o/{slug}/saved-answers")
        visit("push to the central service", f"/o/{slug}/push")
        visit("questionnaire library", "/o/questionnaires")
        visit("questionnaire preview", _first_href(page, "a[href*='/preview']"))
        visit("reports", f"/e/{slug}/reports")
        page.locator("#format-html button[name=lang][value=en]").click()
        page.wait_for_url(re.compile(r"/e/jobs/"))
        judge("report job", page, _sent_html(page))
        report = page.request.get(_first_href(page, "a[href$='/file']"))
        assert report.ok, report.status
        # The report is a download: shown at an address of the site, as a browser opening the file shows it.
        shown_at = f"{site.url}/judged/report.html"
        page.route(shown_at, lambda route: route.fulfill(body=report.body(), content_type="text/html; charset=utf-8"))
        page.goto(shown_at)
        judge("HTML report", page, report.text())
        context.clear_cookies()
        _sign_in(page, ADMIN_EMAIL)
        visit("users", "/admin/users")
        visit("one user", _first_href(page, "a[href*='/admin/users/']"))
        visit("held data", "/admin/data")
        visit("audit log", "/admin/audit")
        visit("erase data", f"/admin/data/{slug}/erase")
    finally:
        context.close()
