"""What a trainee checks on a phone: the form in fr, ar and en, mirrored
Arabic scales, big tap targets, no JavaScript, a double tap, a kept draft, and
a first screen where nothing is cut off."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import FloatRect, Locator, Page, expect

from tests.browser.conftest import LiveServer

RECEIPT = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$")
DONE_URL = re.compile(r"/s/[^/]+/done$")
PAGES = 3
#: Smallest comfortable tap target, in CSS pixels (WCAG 2.5.5, Apple HIG).
MIN_TAP = 44
#: A tablet in landscape (the kiosk at the back of the room), or a laptop.
WIDE: dict[str, Any] = {
    "viewport": {"width": 1024, "height": 768},
    "is_mobile": False,
    "has_touch": True,
    "device_scale_factor": 1,
}

# The first question of page 1 is a five-point agreement scale.
SCALE_FIELD = "q__cq_relevance"
RATING_FIELD = "q__recommend"


# -- helpers: what a trainee does --------------------------------------------------------------


def survey_form(page: Page) -> Locator:
    return page.locator("form.survey-form")


def shown_page(page: Page) -> Locator:
    """The page of the form the trainee sees (the others are hidden)."""
    return page.locator("[data-form-page]:not([hidden])")


def expect_page(page: Page, number: int) -> None:
    expect(shown_page(page)).to_have_count(1)
    expect(shown_page(page)).to_have_attribute("data-form-page", str(number))


def nav_button(page: Page, action: str) -> Locator:
    """The visible Next / Previous / Send button (not the hidden Enter-key default button)."""
    return shown_page(page).locator(f".form-nav button[name=action][value={action}]")


def choice(page: Page, name: str, value: str) -> Locator:
    return page.locator(f"label.choice:has(input[name='{name}'][value='{value}'])")


def answer_required(page: Page) -> dict[str, str]:
    """Tap one choice (the one before last: a positive answer) in every required
    question of the page shown; returns field name -> value tapped."""
    tapped: dict[str, str] = {}
    questions = shown_page(page).locator("fieldset.question:has(> legend .required)")
    assert questions.count() > 0, "no required question on this page"
    for i in range(questions.count()):
        question = questions.nth(i)
        names: list[str] = question.locator("input[type=radio], input[type=checkbox]").evaluate_all(
            "els => [...new Set(els.map(e => e.name))]"
        )
        for name in names:
            labels = question.locator(f"label.choice:has(input[name='{name}'])")
            label = labels.nth(max(labels.count() - 2, 0))
            expect(label).to_be_visible()
            label.tap()
            control = label.locator("input")
            expect(control).to_be_checked()
            tapped[name] = str(control.get_attribute("value"))
        for text_box in question.locator("textarea, input[type=text]").all():
            text_box.fill("Réponse de test")
    return tapped


def go(page: Page, action: str) -> None:
    button = nav_button(page, action)
    expect(button).to_be_visible()
    button.tap()


def fill_and_send(page: Page) -> dict[str, str]:
    """Answer every required question on the three pages, tapping Next, then Send."""
    tapped: dict[str, str] = {}
    for number in range(PAGES):
        expect_page(page, number)
        expect(page.locator(".alert")).to_have_count(0)
        tapped.update(answer_required(page))
        go(page, "send" if number == PAGES - 1 else "next")
    page.wait_for_url(DONE_URL)
    return tapped


def expect_receipt(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(".card--done h1")).to_be_visible()
    expect(page.locator(".receipt strong")).to_have_text(RECEIPT)


def stored_key(field: str) -> str:
    """q__code -> code, q__code__item -> code:item (as the tests read answers back)."""
    return field.removeprefix("q__").replace("__", ":", 1)


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


TEXT_AND_CARD_EDGES = """
legend => {
  const range = document.createRange();
  range.selectNodeContents(legend);
  const rects = [...range.getClientRects()].filter(r => r.width > 0);
  const card = legend.closest('.section');
  const box = card.getBoundingClientRect();
  const style = getComputedStyle(card);
  return {
    textLeft: Math.min(...rects.map(r => r.left)),
    textRight: Math.max(...rects.map(r => r.right)),
    contentLeft: box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft),
    contentRight: box.right - parseFloat(style.borderRightWidth) - parseFloat(style.paddingRight),
  };
}
"""


def box(locator: Locator) -> FloatRect:
    rect = locator.bounding_box()
    assert rect is not None, f"{locator} is not rendered"
    return rect


def centre_x(locator: Locator) -> float:
    rect = box(locator)
    return rect["x"] + rect["width"] / 2


# -- 1. the whole form, in each language -------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_trainee_fills_three_pages_and_gets_a_receipt(phone: Page, live_server: LiveServer, lang: str) -> None:
    requested: list[str] = []
    phone.context.on("request", lambda request: requested.append(request.url))
    before = live_server.count_responses()
    seen_before = len(live_server.seen)

    phone.goto(live_server.form_url(lang))
    expect(phone.locator("html")).to_have_attribute("lang", lang)
    tapped = fill_and_send(phone)

    expect_receipt(phone, lang)
    assert live_server.count_responses() == before + 1
    # The phone turned the pages itself: one POST carried the whole form.
    assert live_server.seen[seen_before:].count(f"POST /s/{live_server.slug}") == 1
    language, answers = live_server.latest_response()
    assert language == lang
    expected = {stored_key(name): int(value) for name, value in tapped.items()}
    assert {key: answers.get(key) for key in expected} == expected
    foreign = [
        url
        for url in requested
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert foreign == [], "the form must load nothing from another host"
    assert requested, "no request was seen at all"


# -- 2. right to left --------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "rtl"), [("ar", True), ("fr", False)], ids=["ar", "fr"])
def test_scales_follow_the_reading_direction(new_phone: Any, live_server: LiveServer, lang: str, rtl: bool) -> None:
    phone = new_phone().new_page()
    phone.goto(live_server.form_url(lang))
    html = phone.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", "rtl" if rtl else "ltr")
    assert no_horizontal_scroll(phone), "the page scrolls sideways on a 360px phone"

    # The question text starts at the card's reading-start edge.
    edges = phone.locator(f"fieldset.question:has(input[name='{SCALE_FIELD}']) > legend").evaluate(TEXT_AND_CARD_EDGES)
    if rtl:
        assert abs(edges["textRight"] - edges["contentRight"]) <= 4, edges
    else:
        assert abs(edges["textLeft"] - edges["contentLeft"]) <= 4, edges

    # On the phone the five choices stack; in each, the radio comes first in reading order.
    first, last = choice(phone, SCALE_FIELD, "1"), choice(phone, SCALE_FIELD, "5")
    assert box(first)["y"] < box(last)["y"], "the scale should run top to bottom on a phone"
    radio_x, text_x = centre_x(first.locator("input")), centre_x(first.locator(".choice__text"))
    assert (radio_x > text_x) if rtl else (radio_x < text_x), "the radio should sit at the reading start of its label"

    # On a wider screen the scale is a row: 1 at the reading start, 5 at the end.
    wide = new_phone(**WIDE).new_page()
    wide.goto(live_server.form_url(lang))
    first, last = choice(wide, SCALE_FIELD, "1"), choice(wide, SCALE_FIELD, "5")
    assert abs(box(first)["y"] - box(last)["y"]) < 2, "the five-point scale should be one row at 1024px"
    if rtl:
        assert box(first)["x"] > box(last)["x"], "Arabic scale is not mirrored: 1 should be on the right of 5"
    else:
        assert box(first)["x"] < box(last)["x"], "French scale: 1 should be on the left of 5"
    edges = wide.locator(f"fieldset.question:has(input[name='{SCALE_FIELD}']) > legend").evaluate(TEXT_AND_CARD_EDGES)
    if rtl:
        assert abs(edges["textRight"] - edges["contentRight"]) <= 4, edges
    assert no_horizontal_scroll(wide)

    # The 0-10 rating on page 2 runs the same way.
    answer_required(wide)
    go(wide, "next")
    expect_page(wide, 1)
    zero, ten = choice(wide, RATING_FIELD, "0"), choice(wide, RATING_FIELD, "10")
    assert abs(box(zero)["y"] - box(ten)["y"]) < 2, "the 0-10 rating should be one row at 1024px"
    assert (box(zero)["x"] > box(ten)["x"]) if rtl else (box(zero)["x"] < box(ten)["x"]), (
        "0-10 rating not in reading order"
    )


# -- 3. tap targets ----------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_every_choice_is_a_big_enough_tap_target(phone: Page, live_server: LiveServer, lang: str) -> None:
    phone.goto(live_server.form_url(lang))
    too_small: list[str] = []
    for number in range(PAGES):
        expect_page(phone, number)
        sizes: list[dict[str, Any]] = (
            shown_page(phone)
            .locator("label.choice")
            .evaluate_all(
                """labels => labels.map(l => {
                 const r = l.getBoundingClientRect(), input = l.querySelector('input');
                 return {name: input.name, value: input.value, type: input.type, width: r.width, height: r.height};
               })"""
            )
        )
        assert sizes, f"no choices on page {number + 1}"
        too_small += [
            f"page {number + 1} {s['name']}={s['value']}: {s['width']:.0f}x{s['height']:.0f}px"
            for s in sizes
            if s["type"] == "radio" and s["height"] < MIN_TAP
        ]
        assert no_horizontal_scroll(phone), f"page {number + 1} scrolls sideways"
        if number < PAGES - 1:
            answer_required(phone)
            go(phone, "next")
    assert too_small == [], f"radio labels under {MIN_TAP}px tall"


def test_next_asks_for_a_missing_answer_before_turning_the_page(phone: Page, live_server: LiveServer) -> None:
    phone.goto(live_server.form_url("fr"))
    seen_before = len(live_server.seen)
    message = survey_form(phone).get_attribute("data-required-message")
    assert message
    go(phone, "next")
    expect_page(phone, 0)
    first = phone.locator(f"fieldset.question:has(input[name='{SCALE_FIELD}'])")
    expect(first.locator(".field-error")).to_have_text(message)
    expect(first.locator(f"input[name='{SCALE_FIELD}']").first).to_be_focused()
    # Answering the question takes its message away; the rest still holds the page.
    choice(phone, SCALE_FIELD, "4").tap()
    expect(first.locator(".field-error")).to_have_count(0)
    go(phone, "next")
    expect_page(phone, 0)
    answer_required(phone)
    go(phone, "next")
    expect_page(phone, 1)
    expect(phone.locator(".field-error")).to_have_count(0)
    assert f"POST /s/{live_server.slug}" not in live_server.seen[seen_before:], "paging should need no round trip"


def test_a_reload_on_page_two_comes_back_to_page_two(phone: Page, live_server: LiveServer) -> None:
    before = live_server.count_responses()
    phone.goto(live_server.form_url("fr"))
    tapped = answer_required(phone)
    go(phone, "next")
    expect_page(phone, 1)
    choice(phone, RATING_FIELD, "9").tap()

    phone.reload()
    expect_page(phone, 1)
    expect(choice(phone, RATING_FIELD, "9").locator("input")).to_be_checked()
    for name, value in tapped.items():
        expect(choice(phone, name, value).locator("input")).to_be_checked()
    tapped.update(answer_required(phone))
    go(phone, "next")
    tapped.update(answer_required(phone))
    go(phone, "send")
    phone.wait_for_url(DONE_URL)
    assert live_server.count_responses() == before + 1
    _language, answers = live_server.latest_response()
    expected = {stored_key(name): int(value) for name, value in tapped.items()}
    assert {key: answers.get(key) for key in expected} == expected


# -- 4. no JavaScript --------------------------------------------------------------------------


def test_form_pages_and_sends_without_javascript(new_phone: Any, live_server: LiveServer) -> None:
    page = new_phone(java_script_enabled=False).new_page()
    before = live_server.count_responses()
    page.goto(live_server.form_url("fr"))
    fill_and_send(page)
    expect_receipt(page, "fr")
    assert live_server.count_responses() == before + 1
    assert live_server.latest_response()[0] == "fr"


# -- 5. double tap on Send ---------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_double_tap_on_send_stores_one_response(new_phone: Any, live_server: LiveServer, javascript: bool) -> None:
    context = new_phone(java_script_enabled=javascript)
    page = context.new_page()
    before = live_server.count_responses()
    # English: the receipt's wording is the source text, not a translation still in progress.
    page.goto(live_server.form_url("en"))
    for number in range(PAGES):
        expect_page(page, number)
        answer_required(page)
        if number < PAGES - 1:
            go(page, "next")

    # A slow link: each POST takes a second to be answered, so the second tap lands
    # while the first is on its way (and, without JavaScript, both reach the server).
    send = nav_button(page, "send")
    expect(send).to_be_visible()
    send.scroll_into_view_if_needed()
    rect = box(send)
    x, y = rect["x"] + rect["width"] / 2, rect["y"] + rect["height"] / 2
    seen_before = len(live_server.seen)
    with live_server.slow_posts(1.0):
        page.touchscreen.tap(x, y)
        page.wait_for_timeout(200)  # a thumb's double tap; sooner, Chromium may merge the two submissions
        page.touchscreen.tap(x, y)
        # Not wait_for_url: it fails on the first navigation, which the second tap aborts.
        expect(page).to_have_url(DONE_URL, timeout=30_000)
        page.wait_for_load_state("networkidle")
    expect_receipt(page, "en")
    assert live_server.count_responses() == before + 1
    repeat_notice = page.get_by_text("We had already received this evaluation")
    sends = live_server.seen[seen_before:].count(f"POST /s/{live_server.slug}")
    if javascript:
        assert sends == 1, "form.js should hold back the second tap while the first is on its way"
        expect(repeat_notice).to_have_count(0)
    else:
        assert sends == 2, "the double tap did not reach the server twice: this test would prove nothing"
        expect(repeat_notice).to_be_visible()  # the receipt says the repeat was not counted


# -- 6. a draft survives a reload --------------------------------------------------------------


def test_answers_come_back_after_a_reload(phone: Page, live_server: LiveServer) -> None:
    phone.goto(live_server.form_url("fr"))
    fields = phone.locator("fieldset.question:has(> legend .required) input[type=radio]").evaluate_all(
        "els => [...new Set(els.map(e => e.name))]"
    )[:3]
    for name in fields:
        choice(phone, name, "4").tap()
        expect(choice(phone, name, "4").locator("input")).to_be_checked()
    message = survey_form(phone).get_attribute("data-restore-message")
    assert message

    phone.reload()
    notice = phone.locator("form.survey-form .notice[role=status]")
    expect(notice).to_be_visible()
    expect(notice).to_have_text(message)
    for name in fields:
        expect(choice(phone, name, "4").locator("input")).to_be_checked()

    # Closing the tab and opening the link again gives them back too.
    again = phone.context.new_page()
    phone.close()
    again.goto(live_server.form_url("fr"))
    expect(again.locator("form.survey-form .notice[role=status]")).to_be_visible()
    for name in fields:
        expect(choice(again, name, "4").locator("input")).to_be_checked()


# -- 7. what a trainee sees on opening the link ------------------------------------------------

#: Every box laid out on the page that reaches past the left or right edge of
#: the screen ("tag.class left..right"). Boxes of 1px or less are the visually
#: hidden helpers (the Enter-key button), which are clipped on purpose.
PAST_THE_EDGES = """
() => {
  const width = document.documentElement.clientWidth;
  const name = el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
  return [...document.body.querySelectorAll('*')]
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, r]) => r.width > 1 && r.height > 1 && (r.left < -0.5 || r.right > width + 0.5))
    .map(([el, r]) => `${name(el)} ${Math.round(r.left)}..${Math.round(r.right)}`);
}
"""
#: Every box whose content is wider than the box and cut off by it (overflow
#: other than visible): text a trainee could not read in full.
CUT_OFF = """
() => {
  const name = el => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
  const clips = el => getComputedStyle(el).overflowX !== 'visible';
  return [...document.body.querySelectorAll('*')]
    .filter(el => el.clientWidth > 1 && clips(el) && el.scrollWidth > el.clientWidth + 1)
    .map(el => `${name(el)} ${el.scrollWidth}>${el.clientWidth}`);
}
"""


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")])
def test_page_one_fits_the_phone_screen(phone: Page, live_server: LiveServer, lang: str, direction: str) -> None:
    """What a person checks on the first screen of the link: the page reads in
    its language's direction, the title, the first question and Next are there,
    and nothing sticks out past the edges of a 360px screen or is cut off."""
    phone.goto(live_server.form_url(lang))
    html = phone.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)
    expect(survey_form(phone)).to_be_visible()
    expect_page(phone, 0)
    expect(survey_form(phone).locator("h1")).to_be_visible()
    expect(shown_page(phone).locator("fieldset.question").first).to_be_visible()
    expect(nav_button(phone, "next")).to_be_visible()
    assert phone.evaluate(PAST_THE_EDGES) == [], "something sticks out past the edge of the screen"
    assert phone.evaluate(CUT_OFF) == [], "some content is cut off by its box"
