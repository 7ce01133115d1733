"""Classroom mode (`survey serve --lan`, `make run LAN=1`): it refuses to open the
room's network while the demo password works, and then puts the laptop's address
in the links, the poster and the terminal's QR code. The laptop's interfaces are
made up; every request goes to 127.0.0.1."""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from flask import Flask

from bench.client import Browser, hidden_fields
from survey.extensions import db
from survey.lan_address import Interface
from survey.models import Role
from survey.serve import Refused, ServerSettings
from survey.services.classroom import accounts_with_password
from survey.services.demo import DEMO_EMAIL, DEMO_PASSWORD, DEMO_SLUG
from survey.services.users import create_user, set_active
from tests.serving import ROOM_PASSWORD, command_server, laptop_env, room_app, serving, survey_command

SETTINGS = ServerSettings(threads=2)
ROOM_WIFI = [
    Interface("lo", up=True, addresses=("127.0.0.1",)),
    Interface("docker0", up=True, addresses=("172.17.0.1",)),
    Interface("wlan0", up=True, addresses=("192.168.1.23",)),
]


def fake_interfaces() -> list[Interface]:
    return ROOM_WIFI


def no_interfaces_expected() -> list[Interface]:
    raise AssertionError("the interfaces were read although the address was given")


# -- refusals, through the command, on each database ---------------------------------------------


def test_the_network_is_refused_while_an_account_signs_in_with_the_demo_password(app: Flask) -> None:
    create_user(db.session(), DEMO_EMAIL, DEMO_PASSWORD, Role.ORGANISER)
    create_user(db.session(), "me@example.org", "my own password", Role.ORGANISER)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["serve", "--lan"])
    assert result.exit_code == 1
    assert "still sign in with the demo password" in result.output
    assert f"survey user set-password {DEMO_EMAIL}" in result.output
    assert "survey user create you@example.org --role organiser" in result.output
    assert f"survey user disable {DEMO_EMAIL}" in result.output
    assert "me@example.org" not in result.output


def test_the_network_is_refused_when_no_account_can_sign_in(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["serve", "--lan"])
    assert result.exit_code == 1
    assert "no account can sign in" in result.output
    assert "survey user create you@example.org --role organiser" in result.output


def test_a_disabled_demo_account_no_longer_counts(app: Flask) -> None:
    demo = create_user(db.session(), DEMO_EMAIL, DEMO_PASSWORD, Role.ORGANISER)
    create_user(db.session(), "me@example.org", "my own password", Role.ADMIN)
    db.session.commit()
    assert accounts_with_password(db.session(), DEMO_PASSWORD) == [DEMO_EMAIL]
    set_active(db.session(), demo, False)
    assert accounts_with_password(db.session(), DEMO_PASSWORD) == []


def test_the_address_option_goes_with_lan(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["serve", "--address", "192.168.1.23"])
    assert result.exit_code == 2
    assert "--address goes with --lan" in result.output


def test_flask_development_server_is_not_a_command() -> None:
    from survey.cli import main

    assert "run" not in main.commands
    assert {"shell", "routes"} <= set(main.commands)  # Flask's other commands stay


# -- serving the room (SQLite file, 127.0.0.1) ----------------------------------------------------


@pytest.fixture(scope="module")
def room_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("classroom")


@pytest.fixture(scope="module")
def classroom_app(room_folder: Path) -> Iterator[Flask]:
    app = room_app(room_folder)
    yield app
    app.extensions["survey.db"].dispose()


@pytest.fixture
def fresh_base(classroom_app: Flask) -> Iterator[Flask]:
    """Classroom mode sets BASE_URL on the app it serves: each test starts without one."""
    classroom_app.config["BASE_URL"] = ""
    yield classroom_app
    classroom_app.config["BASE_URL"] = ""


def sign_in(phone: Browser) -> None:
    hidden = hidden_fields(phone.get("/login").text())
    reply = phone.post("/login", [*hidden.items(), ("email", DEMO_EMAIL), ("password", ROOM_PASSWORD)])
    assert reply.status == 302


def test_the_room_address_is_printed_with_a_qr_code_and_used_by_the_poster(fresh_base: Flask) -> None:
    with serving(fresh_base, SETTINGS, lan=True, interfaces=fake_interfaces) as room:
        room_address = f"http://192.168.1.23:{room.port}"
        laptop = room.phone()  # the organiser, on the laptop itself
        sign_in(laptop)
        poster = laptop.get("/o/niamey-2026/poster").text()
    printed = "\n".join(room.printed)
    assert f"Room address: {room_address}" in printed
    assert f"Trainee form (niamey-2026): {room_address}/s/niamey-2026" in printed
    assert f"Scan to open {room_address}/s/niamey-2026:" in printed
    assert "\u2580" in printed or "\u2584" in printed  # the QR code, drawn with half blocks
    assert f"<title>{room_address}/s/niamey-2026</title>" in poster
    assert "127.0.0.1" not in poster


def test_a_configured_base_address_wins_over_the_detected_one(fresh_base: Flask) -> None:
    fresh_base.config["BASE_URL"] = "https://survey.example.org"
    with serving(fresh_base, SETTINGS, lan=True, interfaces=no_interfaces_expected) as room:
        pass
    assert "Room address: https://survey.example.org" in room.printed


def test_an_address_named_by_hand_replaces_the_detected_one(fresh_base: Flask) -> None:
    with serving(fresh_base, SETTINGS, lan=True, address="laptop.local", interfaces=no_interfaces_expected) as room:
        pass
    assert f"Room address: http://laptop.local:{room.port}" in room.printed


def test_an_address_named_by_hand_must_be_one(classroom_app: Flask) -> None:
    with classroom_app.app_context():
        result = classroom_app.test_cli_runner().invoke(args=["serve", "--lan", "--address", "not an address"])
    assert result.exit_code == 1
    assert "--address must be an IP address or a host name" in result.output


def test_no_address_on_a_network_is_refused_with_what_to_do(fresh_base: Flask) -> None:
    with (
        pytest.raises(Refused, match="join the room's Wi-Fi"),
        serving(fresh_base, SETTINGS, lan=True, interfaces=lambda: ROOM_WIFI[:2]),
    ):
        pass


def test_secure_cookies_on_plain_http_are_refused(fresh_base: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(fresh_base.config, "SESSION_COOKIE_SECURE", True)
    with (
        pytest.raises(Refused, match="SURVEY_SECURE_COOKIES=0"),
        serving(fresh_base, SETTINGS, lan=True, interfaces=fake_interfaces),
    ):
        pass


def test_classroom_mode_keeps_a_copy_of_the_database_when_it_stops(fresh_base: Flask, room_folder: Path) -> None:
    with serving(fresh_base, SETTINGS, lan=True, interfaces=fake_interfaces) as room:
        phone = room.phone()
        assert phone.get("/s/niamey-2026").status == 200
    copies = sorted((room_folder / "instance" / "backups").glob("survey-*.db"))
    assert copies
    assert any(line.startswith("backup ") and str(copies[-1]) in line for line in room.printed)
    assert re.search(r"Backups of the database: every 60 min", "\n".join(room.printed))


# -- the command itself, in a process of its own ---------------------------------------------------


@pytest.fixture(scope="module")
def laptop_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A laptop after `make run` once, whose organiser then chose a password of their own."""
    folder = tmp_path_factory.mktemp("laptop")
    env = laptop_env(folder)
    survey_command(env, "db", "upgrade")
    survey_command(env, "demo")
    survey_command(env, "user", "set-password", DEMO_EMAIL, "--password", ROOM_PASSWORD)
    return folder


def test_stopping_classroom_mode_keeps_a_copy_of_the_database(laptop_folder: Path) -> None:
    env = laptop_env(laptop_folder)
    with command_server(env, "--lan", "--address", "127.0.0.2") as server:
        assert server.stop() == 0
    copies = sorted((laptop_folder / "instance" / "backups").glob("survey-*.db"))
    assert len(copies) == 1
    with closing(sqlite3.connect(copies[0])) as copy:
        assert copy.execute("SELECT slug FROM programmes").fetchall() == [(DEMO_SLUG,)]


def test_a_laptop_that_slept_answers_the_phones_that_waited(laptop_folder: Path) -> None:
    """The server process stopped (the lid closed) and continued: a phone that
    asked meanwhile gets its page, and the server goes on."""
    env = laptop_env(laptop_folder)
    with command_server(env, "--lan", "--address", "127.0.0.2") as server:
        port = int(server.address.rsplit(":", 1)[1])
        waiting_phone, later_phone = Browser("127.0.0.2", port, 60), Browser("127.0.0.2", port, 30)
        replies: list[int] = []
        waiting = threading.Thread(target=lambda: replies.append(waiting_phone.get("/s/niamey-2026").status))
        try:
            server.process.send_signal(signal.SIGSTOP)
            try:
                waiting.start()
                time.sleep(3)  # asleep while the phone waits
                assert replies == []
            finally:
                server.process.send_signal(signal.SIGCONT)
            waiting.join(60)
            assert replies == [200]
            assert later_phone.get("/s/niamey-2026").status == 200
        finally:
            waiting_phone.close()
            later_phone.close()
