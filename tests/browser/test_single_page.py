"""A phone with JavaScript given a page the server sent alone (its script came
too late for the first "Next"), and one whose whole form came back after a
POST: the form keeps working either way, and every answer is stored."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_trainee_phone import (
    DONE_URL,
    PAGES,
    RATING_FIELD,
    answer_required,
    expect_page,
    expect_receipt,
    go,
    stored_key,
    survey_form,
)


def posts(live_server: LiveServer, since: int) -> int:
    return live_server.seen[since:].count(f"POST /s/{live_server.slug}")


def test_a_page_sent_before_the_script_ran_keeps_every_answer(phone: Page, live_server: LiveServer) -> None:
    before = live_server.count_responses()

    def no_script(route: Route) -> None:
        route.abort()

    # The script does not arrive in time for page 1 (a slow link): "Next" is a round trip.
    phone.route("**/static/js/form.js*", no_script)
    phone.goto(live_server.form_url("fr"))
    tapped = answer_required(phone)
    phone.unroute("**/static/js/form.js*", no_script)
    seen = len(live_server.seen)
    go(phone, "next")
    expect_page(phone, 1)
    form = survey_form(phone)
    expect(form).to_have_attribute("data-single-page", "")
    expect(phone.locator("[data-form-page]")).to_have_count(1)
    assert posts(live_server, seen) == 1

    # The script runs on this page: it still asks for a missing answer before leaving it ...
    seen = len(live_server.seen)
    go(phone, "next")
    expect_page(phone, 1)
    expect(phone.locator(f"fieldset.question:has(input[name='{RATING_FIELD}']) .field-error")).to_have_text(
        str(form.get_attribute("data-required-message"))
    )
    assert posts(live_server, seen) == 0
    # ... then lets the server turn the page, and sends without claiming the whole form.
    tapped.update(answer_required(phone))
    go(phone, "next")
    expect_page(phone, 2)
    expect(phone.locator("[data-form-page]")).to_have_count(1)
    tapped.update(answer_required(phone))
    go(phone, "send")
    phone.wait_for_url(DONE_URL)
    expect_receipt(phone, "fr")
    assert posts(live_server, seen) == 2
    assert live_server.count_responses() == before + 1
    _language, answers = live_server.latest_response()
    expected = {stored_key(name): int(value) for name, value in tapped.items()}
    assert {key: answers.get(key) for key in expected} == expected


def test_a_language_switch_with_javascript_keeps_the_pages_on_the_phone(
    new_phone: Any, live_server: LiveServer
) -> None:
    phone = new_phone().new_page()
    before = live_server.count_responses()
    phone.goto(live_server.form_url("fr"))
    tapped = answer_required(phone)
    phone.locator("button[name=switch_lang][value=en]").tap()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    # The whole form was posted, and comes back whole: the phone turns the pages again.
    expect(phone.locator("[data-form-page]")).to_have_count(PAGES)
    expect(survey_form(phone)).not_to_have_attribute("data-single-page", "")
    expect_page(phone, 0)
    seen = len(live_server.seen)
    go(phone, "next")
    expect_page(phone, 1)
    assert posts(live_server, seen) == 0
    tapped.update(answer_required(phone))
    go(phone, "next")
    tapped.update(answer_required(phone))
    go(phone, "send")
    phone.wait_for_url(DONE_URL)
    expect_receipt(phone, "en")
    assert posts(live_server, seen) == 1
    assert live_server.count_responses() == before + 1
    language, answers = live_server.latest_response()
    assert language == "en"
    expected = {stored_key(name): int(value) for name, value in tapped.items()}
    assert {key: answers.get(key) for key in expected} == expected
