"""Every control a trainee can touch is at least 44 px by 44 px on a phone, in
French and in Arabic: the choices, the language buttons, Next, Previous and
Send, the text boxes, and the language links of a link not open yet (issue 19)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from tests.browser.conftest import LiveServer
from tests.browser.test_trainee_phone import MIN_TAP, PAGES, answer_required, expect_page, go

#: The size of every visible control a finger may aim at, as the phone lays it out.
TARGETS = """
root => {
  const controls = 'button, a[href], label.choice, textarea, select, '
    + 'input:not([type=hidden]):not([type=radio]):not([type=checkbox])';
  return [...root.querySelectorAll(controls)]
    .filter(el => el.offsetParent !== null && !el.classList.contains('visually-hidden'))
    .map(el => {
      const r = el.getBoundingClientRect();
      const text = (el.getAttribute('name') || '') + ' ' + (el.value || el.textContent || '').trim().slice(0, 30);
      const what = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')} ${text}`;
      return {what, width: r.width, height: r.height};
    });
}
"""


def too_small(page: Page, root: str) -> list[str]:
    sizes: list[dict[str, Any]] = page.locator(root).first.evaluate(TARGETS)
    assert sizes, f"nothing to tap in {root}"
    return [
        f"{s['what']}: {s['width']:.0f}x{s['height']:.0f}px"
        for s in sizes
        if s["width"] < MIN_TAP or s["height"] < MIN_TAP
    ]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_control_of_the_form_is_44px_on_a_phone(phone: Page, live_server: LiveServer, lang: str) -> None:
    phone.goto(live_server.form_url(lang))
    expect(phone.locator("html")).to_have_attribute("lang", lang)
    found: list[str] = too_small(phone, ".form-header")  # the language buttons
    assert phone.locator(".form-header .language").count() == 3
    for number in range(PAGES):
        expect_page(phone, number)
        found += [f"page {number + 1}: {what}" for what in too_small(phone, "[data-form-page]:not([hidden])")]
        if number < PAGES - 1:
            answer_required(phone)
            go(phone, "next")
    assert found == [], f"targets under {MIN_TAP}px"


@pytest.fixture(scope="module")
def draft_slug(live_server: LiveServer) -> str:
    """A second programme, still a draft, on the live server."""
    from survey.models import Programme, Questionnaire
    from survey.services.demo import DEMO_SESSIONS
    from survey.services.programmes import create_programme

    with Session(live_server.engine) as session:
        if session.query(Programme).filter_by(slug="bamako-draft").first() is not None:
            return "bamako-draft"  # made for another module of this session's live server
        questionnaire = session.query(Questionnaire).order_by(Questionnaire.id).first()
        assert questionnaire is not None
        create_programme(
            session,
            slug="bamako-draft",
            title="Formation de Bamako",
            questionnaire=questionnaire,
            location="Bamako",
            country="ML",
            timezone="Africa/Bamako",
            expected_participants=20,
            languages=("fr", "ar", "en"),
            sessions=DEMO_SESSIONS[:2],
        )
        session.commit()
    return "bamako-draft"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_not_open_yet_page_has_big_language_links(
    phone: Page, live_server: LiveServer, draft_slug: str, lang: str
) -> None:
    response = phone.goto(f"{live_server.url}/s/{draft_slug}?lang={lang}")
    assert response is not None
    assert response.status == 403
    expect(phone.locator("h1")).to_be_visible()
    expect(phone.locator(".unavailable")).to_contain_text("Formation de Bamako")
    assert too_small(phone, ".unavailable") == []
    # The switch works: Arabic, right to left, from the French page and back.
    other = "ar" if lang == "fr" else "fr"
    phone.locator(f".unavailable .language[lang={other}]").tap()
    expect(phone.locator("html")).to_have_attribute("lang", other)
    expect(phone.locator("html")).to_have_attribute("dir", "rtl" if other == "ar" else "ltr")
