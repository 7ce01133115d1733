"""Classroom mode from the organiser's first command to a trainee's receipt.

`survey serve --lan` runs as a person runs it, listening on every interface
(0.0.0.0). 127.0.0.2, another loopback address, stands in for the laptop's
address on the room's Wi-Fi: the organiser works on the laptop at 127.0.0.1,
the phones only ever use 127.0.0.2, through the form's address, its links and
the targets of its QR codes as a camera reads them."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from survey.services.demo import DEMO_EMAIL, DEMO_SLUG
from tests.browser.conftest import PHONE
from tests.browser.test_trainee_phone import expect_receipt, fill_and_send
from tests.serving import ROOM_PASSWORD, CommandServer, command_server, laptop_env, survey_command

ROOM_HOST = "127.0.0.2"


@pytest.fixture(scope="module")
def laptop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CommandServer, Path]]:
    """A fresh laptop: migrate, the demo, its password changed as classroom mode
    demands, then `survey serve --lan --address 127.0.0.2`."""
    folder = tmp_path_factory.mktemp("laptop")
    env = laptop_env(folder)
    survey_command(env, "db", "upgrade")
    survey_command(env, "demo")
    survey_command(env, "user", "set-password", DEMO_EMAIL, "--password", ROOM_PASSWORD)
    with command_server(env, "--lan", "--address", ROOM_HOST) as server:
        yield server, folder


@pytest.fixture
def room(laptop: tuple[CommandServer, Path]) -> str:
    return laptop[0].address


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def open_page(browser: Any, contexts: list[Any], base_url: str, **overrides: Any) -> Page:
    context = browser.new_context(**{**PHONE, "base_url": base_url, **overrides})
    context.set_default_timeout(15_000)
    contexts.append(context)
    return context.new_page()  # type: ignore[no-any-return]


@pytest.fixture
def organiser(browser: Any, contexts: list[Any], room: str) -> Page:
    """The organiser at the laptop, which reaches the server at 127.0.0.1, signed in."""
    port = room.rsplit(":", 1)[1]
    page = open_page(browser, contexts, f"http://127.0.0.1:{port}", viewport={"width": 1280, "height": 900})
    page.goto("/login?lang=en")
    page.fill("input[name=email]", DEMO_EMAIL)
    page.fill("input[name=password]", ROOM_PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1)
    return page


@pytest.fixture
def phone(browser: Any, contexts: list[Any], room: str) -> Page:
    """A trainee's phone, on the room's Wi-Fi: it knows nothing but the room's address."""
    return open_page(browser, contexts, room)


def scanned(qr: Locator) -> str:
    """What a phone's camera reads from the QR code on screen."""
    image = Image.open(io.BytesIO(qr.screenshot()))
    found = [result.text for result in zxingcpp.read_barcodes(image)]
    assert len(found) == 1, found
    return str(found[0])


def read_terminal_qr(lines: list[str]) -> str:
    """What a phone held up to the terminal reads: each character is two modules
    high, its upper or lower half drawn in the terminal's (light) text colour."""
    halves = {" ": (0, 0), "\u2580": (255, 0), "\u2584": (0, 255), "\u2588": (255, 255)}
    width, scale = max(len(line) for line in lines), 8
    image = Image.new("L", (width, 2 * len(lines)), 0)
    for y, line in enumerate(lines):
        for x, char in enumerate(line):
            top, bottom = halves[char]
            image.putpixel((x, 2 * y), top)
            image.putpixel((x, 2 * y + 1), bottom)
    image = image.resize((width * scale, 2 * len(lines) * scale), Image.Resampling.NEAREST)
    found = [result.text for result in zxingcpp.read_barcodes(image)]
    assert len(found) == 1, found
    return str(found[0])


def responses_in(folder: Path) -> int:
    with closing(sqlite3.connect(folder / "survey.db")) as connection:
        return int(connection.execute("SELECT count(*) FROM responses").fetchone()[0])


def test_the_terminal_names_the_room_address_and_draws_its_qr_code(laptop: tuple[CommandServer, Path]) -> None:
    server, _ = laptop
    assert server.address.startswith(f"http://{ROOM_HOST}:")
    assert f"  Trainee form ({DEMO_SLUG}): {server.address}/s/{DEMO_SLUG}" in server.printed
    assert any(line.startswith("Serving with waitress on 0.0.0.0:") for line in server.printed)
    assert read_terminal_qr(server.terminal_qr()) == f"{server.address}/s/{DEMO_SLUG}"


def test_a_phone_sends_the_form_through_the_room_address(
    phone: Page, room: str, laptop: tuple[CommandServer, Path]
) -> None:
    before = responses_in(laptop[1])
    phone.goto(f"/s/{DEMO_SLUG}?lang=fr")
    fill_and_send(phone)
    expect_receipt(phone, "fr")
    assert phone.url.startswith(f"{room}/s/{DEMO_SLUG}/done")
    assert responses_in(laptop[1]) == before + 1


def test_the_poster_and_the_dashboard_lead_phones_to_the_room_address(organiser: Page, phone: Page, room: str) -> None:
    organiser.goto(f"/o/{DEMO_SLUG}/poster")
    target = scanned(organiser.locator(".poster-sheet__qr svg"))
    assert target == f"{room}/s/{DEMO_SLUG}"
    expect(organiser.locator(".poster-sheet__link")).to_have_text(f"{room.removeprefix('http://')}/s/{DEMO_SLUG}")
    organiser.goto(f"/o/{DEMO_SLUG}")
    expect(organiser.locator(".trainee-link a")).to_have_attribute("href", target)
    phone.goto(target)
    # A phone that has sent this form before is shown its receipt again instead (form.js).
    expect(phone.locator("form.survey-form, [data-sent-panel]").locator("visible=true")).to_have_count(1)


def test_a_code_card_leads_a_phone_to_the_form_through_the_room_address(
    organiser: Page, phone: Page, room: str
) -> None:
    organiser.goto(f"/o/{DEMO_SLUG}/codes")
    organiser.locator("input[name=count]").fill("2")
    organiser.locator("form:has(input[name=count]) button[type=submit]").click()
    organiser.goto(f"/o/{DEMO_SLUG}/codes/cards")
    card = organiser.locator(".code-card").first
    code = str(card.get_attribute("data-code"))
    target = scanned(card.locator(".code-card__qr svg"))
    assert target == f"{room}/c/{code}"
    expect(card.locator(".code-card__url")).to_have_text(f"{room.removeprefix('http://')}/c/{code}")
    phone.goto(target)
    expect(phone.locator("form.survey-form")).to_be_visible()
    assert phone.url.startswith(room)


def test_the_kiosk_link_opens_on_the_tablet_through_the_room_address(
    organiser: Page, browser: Any, contexts: list[Any], room: str
) -> None:
    organiser.goto(f"/o/{DEMO_SLUG}/kit")
    organiser.get_by_label("Device name").fill("Tablet at the back")
    organiser.get_by_role("button", name="Add a kiosk device").click()
    link = str(organiser.locator("[data-kiosk-link]").get_attribute("href"))
    assert link.startswith(f"{room}/k/{DEMO_SLUG}/")
    tablet = open_page(browser, contexts, room, viewport={"width": 1024, "height": 768}, is_mobile=False)
    tablet.goto(link)
    expect(tablet.locator("form.survey-form")).to_be_visible()
    assert tablet.url.startswith(room)
