"""An organiser types a whole paper form in by keyboard alone (issue 19, point 5):
the number ticked on the sheet answers a row and moves on, Enter moves on from a
list of boxes, Tab from a comment, and Enter on Save stores the sheet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_EMAIL, DEMO_PASSWORD, LiveServer

PAPER_NUMBER = "4321"
#: What is typed on a row of each length of keys (a point of the scale, or an option's place).
COMMENT = "Plus d'ateliers"


@pytest.fixture
def laptop(browser: Any, live_server: LiveServer) -> Iterator[Page]:
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


def focused_name(page: Page) -> str:
    return str(
        page.evaluate("document.activeElement && (document.activeElement.name || document.activeElement.tagName)")
    )


def rows(page: Page) -> list[dict[str, Any]]:
    """Each stop of the entry screen in order: its field name, control and keys."""
    found: list[dict[str, Any]] = page.evaluate(
        """() => {
          const seen = new Map();
          for (const el of document.querySelectorAll('form[data-entry-keys] [name^="q__"]')) {
            if (!seen.has(el.name)) seen.set(el.name, {name: el.name, type: el.type, keys: [], values: []});
            seen.get(el.name).keys.push(el.dataset.key || '');
            seen.get(el.name).values.push(el.value);
          }
          return [...seen.values()];
        }"""
    )
    return found


def test_a_whole_paper_form_is_typed_in_by_keyboard_alone(laptop: Page, live_server: LiveServer) -> None:
    laptop.goto(f"/o/{live_server.slug}/entry?paper_lang=fr")
    expect(laptop.locator("[data-keys-help]")).to_be_visible()
    # Full labels, as printed on the sheet: none is cut short.
    clipped = laptop.evaluate(
        "() => [...document.querySelectorAll('.entry-choice small, .entry-choice span:not(.visually-hidden)')]"
        ".filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)"
    )
    assert clipped == []
    assert focused_name(laptop) == "paper_number"
    laptop.keyboard.type(PAPER_NUMBER)
    laptop.keyboard.press("Tab")  # the sheet's language
    assert focused_name(laptop) == "language"
    laptop.keyboard.press("Tab")

    expected: dict[str, Any] = {}
    stops = rows(laptop)
    assert len(stops) > 25
    for index, row in enumerate(stops):
        name, keys = row["name"], row["keys"]
        assert focused_name(laptop) == name, f"row {index}: focus on {focused_name(laptop)}, not {name}"
        code = name.removeprefix("q__").replace("__", ":", 1)
        if row["type"] in {"text", "textarea"}:
            laptop.keyboard.type(COMMENT)
            laptop.keyboard.press("Tab")
            expected[code] = COMMENT
        elif row["type"] == "checkbox":
            laptop.keyboard.press("1")
            laptop.keyboard.press("3")
            laptop.keyboard.press("Enter")  # moves on; does not save
            for key in ("1", "3"):
                expected[f"{code}:{row['values'][keys.index(key)]}"] = 1
        elif "10" in keys:  # 0 to 10: two digits, the first waiting for the second
            laptop.keyboard.press("1")
            assert focused_name(laptop) == name
            laptop.keyboard.press("0")
            expected[code] = 10
        elif index % 4 == 3 and "-" in keys:  # a row left blank on the sheet
            laptop.keyboard.press("-")
        else:
            key = "2" if keys[1] == "1" and not row["values"][1].isdigit() else str(2 + index % 4)
            laptop.keyboard.press(key)
            value = row["values"][keys.index(key)]
            expected[code] = int(value) if value.isdigit() else value
    # After the last row, the Save button; Enter saves.
    assert focused_name(laptop) == "BUTTON"
    before = live_server.count_responses()
    laptop.keyboard.press("Enter")
    expect(laptop.locator(".notice")).to_contain_text(PAPER_NUMBER)
    assert live_server.count_responses() == before + 1
    language, answers = live_server.latest_response()
    assert language == "fr"
    assert answers == expected
