"""Links that leave the screen (code cards, poster, kiosk link, dashboard, settings)
name the address phones reach: SURVEY_BASE_URL, or the laptop's address that
classroom mode sets, not the one the organiser's own browser used."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import AccessMode, Programme, User
from survey.services import access
from survey.services.codes import format_code, issue_codes, set_access_mode
from survey.services.kiosks import add_kiosk_device
from tests.web.test_access_codes import login

ROOM = "http://192.168.1.23:5000"  # never contacted: the tests only read pages


@pytest.fixture
def manager(app: Flask, client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    client.set_cookie("lang", "en")
    assert login(client, "org@example.org", "correct horse") == 302
    return client


@pytest.fixture
def room(app: Flask, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(app.config, "BASE_URL", ROOM)
    return ROOM


def test_poster_link_and_qr_code_name_the_room_address(manager: FlaskClient, programme: Programme, room: str) -> None:
    html = manager.get("/o/niamey/poster").get_data(as_text=True)
    assert f"<title>{room}/s/niamey</title>" in html  # what the QR code encodes
    assert '<p class="poster-sheet__link" dir="ltr">192.168.1.23:5000/s/niamey</p>' in html
    assert "localhost" not in html


def test_code_cards_name_the_room_address(manager: FlaskClient, programme: Programme, room: str) -> None:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    issued = [format_code(code) for code in issue_codes(db.session(), programme, 3)]
    html = manager.get("/o/niamey/codes/cards").get_data(as_text=True)
    for code in issued:
        assert f"<title>{room}/c/{code}</title>" in html
        assert f"192.168.1.23:5000/c/{code}" in html
    assert "localhost" not in html


@pytest.mark.parametrize("path", ["/o/niamey", "/o/niamey/settings"])
def test_trainee_link_on_staff_pages_names_the_room_address(
    manager: FlaskClient, programme: Programme, room: str, path: str
) -> None:
    html = manager.get(path).get_data(as_text=True)
    assert f'<a href="{room}/s/niamey" dir="ltr">{room}/s/niamey</a>' in html
    assert "http://localhost/s/" not in html


def test_kiosk_link_names_the_room_address(manager: FlaskClient, programme: Programme, room: str) -> None:
    add_kiosk_device(db.session(), programme, "Tablet")
    html = manager.get("/o/niamey/kit").get_data(as_text=True)
    assert re.search(rf'href="{re.escape(room)}/k/niamey/[^"]+" dir="ltr" data-kiosk-link', html)


def test_without_a_base_address_links_name_the_address_the_browser_used(
    manager: FlaskClient, programme: Programme
) -> None:
    html = manager.get("/o/niamey/poster", base_url="http://localhost:8080").get_data(as_text=True)
    assert "<title>http://localhost:8080/s/niamey</title>" in html


def test_a_base_address_with_a_path_is_not_doubled_by_the_proxy_prefix(
    app: Flask, manager: FlaskClient, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy that mounts the service under /feedback, the base names that
    prefix already: links must not carry it twice."""
    monkeypatch.setitem(app.config, "BASE_URL", "https://survey.example.org/feedback")
    html = manager.get("/o/niamey/poster", base_url="http://localhost/feedback").get_data(as_text=True)
    assert "<title>https://survey.example.org/feedback/s/niamey</title>" in html
