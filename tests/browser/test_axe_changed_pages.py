"""axe-core finds nothing to fix on the pages issue 19 (points 4 and 5) changed, in
French and in Arabic: the trainee form, the page of a link not open yet, the poster
of a draft, the new programme's settings, paper data entry and an empty dashboard."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import DEMO_EMAIL, DEMO_PASSWORD, PHONE, LiveServer
from tests.browser.test_form_targets import draft_slug  # noqa: F401 (a fixture)


def violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {node['target']}" for v in results.response["violations"] for node in v["nodes"]
    ]


@pytest.fixture(scope="module")
def granted_draft(live_server: LiveServer, draft_slug: str) -> str:  # noqa: F811
    """The draft programme, granted to the demo organiser (so the staff pages open)."""
    from survey.models import Programme, User
    from survey.services import access

    with Session(live_server.engine) as session:
        user = session.scalars(select(User).where(User.email == DEMO_EMAIL)).one()
        programme = session.scalars(select(Programme).where(Programme.slug == draft_slug)).one()
        access.grant(session, user, programme)
        session.commit()
    return draft_slug


@pytest.fixture
def organiser(browser: Any, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login?lang=fr")
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)
    yield page
    context.close()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_trainee_pages_have_no_axe_violations(
    browser: Any,
    live_server: LiveServer,
    granted_draft: str,
    lang: str,
) -> None:
    context = browser.new_context(**{**PHONE, "base_url": live_server.url})
    try:
        page = context.new_page()
        found: dict[str, list[str]] = {}
        for path in (f"/s/{live_server.slug}?lang={lang}", f"/s/{granted_draft}?lang={lang}"):
            page.goto(path)
            expect(page.locator("h1")).to_be_visible()
            found[path] = violations(page)
        assert found == {path: [] for path in found}
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_organiser_pages_have_no_axe_violations(organiser: Page, granted_draft: str, lang: str) -> None:
    found: dict[str, list[str]] = {}
    for path in (
        f"/o/{granted_draft}?lang={lang}",  # empty: the card that says what to do next
        f"/o/{granted_draft}/poster?lang={lang}",
        f"/o/{granted_draft}/entry?lang={lang}",
        f"/o/new?lang={lang}",
    ):
        organiser.goto(path)
        expect(organiser.locator("h1").first).to_be_visible()
        found[path] = violations(organiser)
    assert found == {path: [] for path in found}
