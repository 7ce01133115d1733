"""A phone whose network drops at the moment of sending: the answers stay on
screen, the trainee is told beside the Send button that they are kept, the
form sends itself when the network is back (once, whatever the repeats), and
Back after the receipt never stores a second response.

Each test runs in French and Arabic, with service workers allowed (an HTTPS
or localhost page) and blocked (the room's plain-http LAN address): the resend
must not depend on them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_trainee_phone import (
    DONE_URL,
    PAGES,
    RECEIPT,
    answer_required,
    expect_page,
    expect_receipt,
    go,
    nav_button,
    shown_page,
    survey_form,
)

PHONES = [
    pytest.param("fr", "allow", id="fr-sw-allowed"),
    pytest.param("ar", "block", id="ar-sw-blocked"),
    pytest.param("fr", "block", id="fr-sw-blocked"),
    pytest.param("ar", "allow", id="ar-sw-allowed"),
]


def open_phone(new_phone: Callable[..., Any], service_workers: str) -> Page:
    page: Page = new_phone(service_workers=service_workers).new_page()
    return page


def fill_to_send(page: Page, live_server: LiveServer, lang: str) -> dict[str, str]:
    """Open the form and answer every page, stopping before Send."""
    page.goto(live_server.form_url(lang))
    tapped: dict[str, str] = {}
    for number in range(PAGES):
        expect_page(page, number)
        tapped.update(answer_required(page))
        if number < PAGES - 1:
            go(page, "next")
    return tapped


def status_box(page: Page) -> Any:
    return shown_page(page).locator("[data-send-status]")


def expect_waiting(page: Page, tapped: dict[str, str]) -> None:
    """What the trainee sees when the send failed: the page, the answers, and the message by the button."""
    waiting = survey_form(page).get_attribute("data-waiting-message")
    assert waiting
    box = status_box(page)
    expect(box).to_have_text(waiting)
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-live", "polite")
    expect(nav_button(page, "send")).to_be_visible()
    expect(shown_page(page).locator("[data-save-answers]")).to_be_visible()
    last_page = [name for name in tapped if shown_page(page).locator(f"input[name='{name}']").count()]
    assert last_page, "no answer of the last page to look at"
    for name in last_page:
        expect(shown_page(page).locator(f"input[name='{name}'][value='{tapped[name]}']")).to_be_checked()


@pytest.mark.parametrize(("lang", "service_workers"), PHONES)
def test_network_cut_before_sending_then_back(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    page = open_phone(new_phone, service_workers)
    before = live_server.count_responses()
    tapped = fill_to_send(page, live_server, lang)

    page.context.set_offline(True)
    go(page, "send")
    expect_waiting(page, tapped)
    assert live_server.count_responses() == before

    page.context.set_offline(False)  # the "online" event resends, with no tap
    page.wait_for_url(DONE_URL)
    expect_receipt(page, lang)
    assert live_server.count_responses() == before + 1


@pytest.mark.parametrize(("lang", "service_workers"), PHONES[:2])
def test_an_answer_lost_on_the_way_back_stores_one_response(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    """Weak signal: the first send reaches the server but its answer never
    reaches the phone, the second meets a proxy's 503; the timer sends again,
    with the same key, and the receipt says it was already received."""
    page = open_phone(new_phone, service_workers)
    before = live_server.count_responses()
    tapped = fill_to_send(page, live_server, lang)
    failures = ["lost", "503"]

    def flaky(route: Route) -> None:
        if route.request.method != "POST" or not failures:
            route.continue_()
            return
        failure = failures.pop(0)
        if failure == "lost":
            route.fetch()  # the server stores it...
            route.abort("connectionreset")  # ...and the phone never hears back
        else:
            route.fulfill(status=503, body="<html><body>Bad gateway</body></html>", content_type="text/html")

    page.route(f"**/s/{live_server.slug}", flaky)
    go(page, "send")
    expect_waiting(page, tapped)
    assert live_server.count_responses() == before + 1
    page.wait_for_url(DONE_URL, timeout=60_000)
    expect_receipt(page, lang)
    assert failures == []
    assert live_server.count_responses() == before + 1
    expect(page.locator(".card--done p").nth(1)).to_be_visible()  # "already received: stored once"


@pytest.mark.parametrize(("lang", "service_workers"), PHONES[:2])
def test_tab_closed_offline_sends_when_reopened_online(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    page = open_phone(new_phone, service_workers)
    context = page.context
    before = live_server.count_responses()
    tapped = fill_to_send(page, live_server, lang)
    context.set_offline(True)
    go(page, "send")
    expect_waiting(page, tapped)
    page.close()

    context.set_offline(False)
    again = context.new_page()
    again.goto(live_server.form_url(lang))  # the same link, later, with the network back
    again.wait_for_url(DONE_URL)
    expect_receipt(again, lang)
    assert live_server.count_responses() == before + 1


@pytest.mark.parametrize(("lang", "service_workers"), PHONES[:2])
def test_back_after_the_receipt_shows_it_again(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    page = open_phone(new_phone, service_workers)
    before = live_server.count_responses()
    fill_to_send(page, live_server, lang)
    go(page, "send")
    page.wait_for_url(DONE_URL)
    receipt = page.locator(".receipt strong").inner_text()
    assert RECEIPT.match(receipt)

    panel = page.locator("[data-sent-panel]")
    page.go_back()  # the back/forward cache, where the browser kept the page
    expect(panel).to_be_visible()
    expect(panel.locator("[data-sent-receipt]")).to_have_text(receipt)
    expect(survey_form(page)).to_be_hidden()
    page.goto(live_server.form_url(lang))  # a fresh copy of the form, with a new key from the server
    expect(panel).to_be_visible()
    expect(panel.locator("[data-sent-receipt]")).to_have_text(receipt)
    expect(survey_form(page)).to_be_hidden()
    assert live_server.count_responses() == before + 1

    # Someone else takes the phone: a blank form, and their response is a second one.
    first_key = page.locator("input[name=idem]").input_value()
    panel.locator("[data-someone-else]").tap()
    expect(survey_form(page)).to_be_visible()
    expect_page(page, 0)
    assert page.locator("input[name=idem]").input_value() != first_key
    assert page.locator("input[type=radio]:checked").count() == 0
    for number in range(PAGES):
        expect_page(page, number)
        answer_required(page)
        go(page, "send" if number == PAGES - 1 else "next")
    page.wait_for_url(DONE_URL)
    expect_receipt(page, lang)
    assert live_server.count_responses() == before + 2


@pytest.mark.parametrize(("lang", "service_workers"), PHONES[:2])
def test_an_expired_form_cookie_is_renewed_without_losing_answers(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    """The browser restarted since the form was opened: its form cookie is gone."""
    page = open_phone(new_phone, service_workers)
    before = live_server.count_responses()
    fill_to_send(page, live_server, lang)
    page.context.clear_cookies(name="form_guard")
    go(page, "send")
    page.wait_for_url(DONE_URL)
    expect_receipt(page, lang)
    assert live_server.count_responses() == before + 1


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_form_opened_once_opens_again_offline(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str
) -> None:
    """With a service worker (HTTPS or localhost): the link opens without network,
    in the language chosen, and its answers go when the network is back."""
    page = open_phone(new_phone, "allow")
    before = live_server.count_responses()
    page.goto(live_server.form_url(lang))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
    page.close()

    context = page.context
    context.set_offline(True)
    seen = len(live_server.seen)
    again = context.new_page()
    again.goto(live_server.form_url(lang))
    expect(again.locator("html")).to_have_attribute("lang", lang)
    expect(again.locator("[data-form-page='0'] fieldset.question").first).to_be_visible()
    assert live_server.seen[seen:] == [], "the page came from the server, not from the phone"
    tapped: dict[str, str] = {}
    for number in range(PAGES):
        expect_page(again, number)
        tapped.update(answer_required(again))
        go(again, "send" if number == PAGES - 1 else "next")
    expect_waiting(again, tapped)
    assert live_server.count_responses() == before

    context.set_offline(False)
    again.wait_for_url(DONE_URL)
    expect_receipt(again, lang)
    assert live_server.count_responses() == before + 1


def change_programme(live_server: LiveServer, **values: object) -> None:
    """An organiser's change made while the phone is offline (in SQL, as another worker would)."""
    from sqlalchemy import update

    from survey.models import Programme

    table = Programme.__table__
    with live_server.engine.begin() as connection:
        connection.execute(
            update(table).where(table.c.slug == live_server.slug).values(revision=table.c.revision + 1, **values)
        )


@contextmanager
def session_added(live_server: LiveServer, title: str) -> Iterator[int]:
    """A session added to the programme for the time of a test; its id."""
    from sqlalchemy import delete, insert, select

    from survey.models import Programme, ProgrammeSession

    sessions = ProgrammeSession.__table__
    with live_server.engine.begin() as connection:
        programme = connection.scalar(select(Programme.id).where(Programme.slug == live_server.slug))
        added = connection.execute(
            insert(sessions).values(programme_id=programme, day=5, position=9, title=title, trainer="", kind="session")
        ).inserted_primary_key[0]
    change_programme(live_server)
    try:
        yield int(added)
    finally:
        with live_server.engine.begin() as connection:
            connection.execute(delete(sessions).where(sessions.c.id == added))
        change_programme(live_server)


@pytest.mark.parametrize(("lang", "service_workers"), PHONES[:2])
def test_a_programme_closed_while_offline_says_so_and_keeps_the_answers(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    page = open_phone(new_phone, service_workers)
    before = live_server.count_responses()
    tapped = fill_to_send(page, live_server, lang)
    page.context.set_offline(True)
    go(page, "send")
    expect_waiting(page, tapped)
    change_programme(live_server, status="closed")
    try:
        page.context.set_offline(False)
        kept = survey_form(page).get_attribute("data-kept-message")
        assert kept
        box = status_box(page)
        expect(box).to_contain_text(kept, timeout=30_000)
        expect(box).to_be_focused()
        for name, value in tapped.items():
            if shown_page(page).locator(f"input[name='{name}']").count():
                expect(shown_page(page).locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
        expect(shown_page(page).locator("[data-save-answers]")).to_be_visible()
        page.wait_for_timeout(6_000)  # the resend timer's first turn: a closed programme is not asked again
        expect(box).to_contain_text(kept)
        assert live_server.count_responses() == before
    finally:
        change_programme(live_server, status="open")


@pytest.mark.parametrize(("lang", "service_workers"), PHONES[:2])
def test_a_form_changed_while_offline_comes_back_as_it_is_now_with_the_answers(
    new_phone: Callable[..., Any], live_server: LiveServer, lang: str, service_workers: str
) -> None:
    """A session added while the phone waited: the resend is not stored, the
    form comes back with the new session's row, every answer kept and a message
    saying why; sent again, it is stored once."""
    page = open_phone(new_phone, service_workers)
    before = live_server.count_responses()
    tapped = fill_to_send(page, live_server, lang)
    page.context.set_offline(True)
    go(page, "send")
    expect_waiting(page, tapped)
    with session_added(live_server, "Visite de terrain") as added:
        page.context.set_offline(False)
        expect(page.locator("#problems")).to_be_visible(timeout=30_000)
        row = page.locator(f"input[name='q__session_usefulness__{added}']")
        expect(row.first).to_be_attached()
        assert live_server.count_responses() == before
        for name, value in tapped.items():
            expect(page.locator(f"input[name='{name}'][value='{value}']")).to_be_checked()
        for number in range(PAGES):
            expect_page(page, number)
            answer_required(page)
            go(page, "send" if number == PAGES - 1 else "next")
        page.wait_for_url(DONE_URL)
        expect_receipt(page, lang)
        assert live_server.count_responses() == before + 1
