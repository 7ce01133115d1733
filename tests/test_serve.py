"""The server `make run` starts (`survey serve`, waitress) keeps serving the room
when phones misbehave: a phone dropping mid-upload, phones holding connections
open, a connection gone silent, a body too large. Loopback only."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from flask import Flask

from survey.serve import ServerSettings
from tests.serving import (
    Room,
    encoded,
    raw_post_head,
    room_app,
    send_whole_form,
    serving,
    stored,
    whole_form,
)

#: Few threads, so that phones holding connections would block the room if they held threads.
FEW_THREADS = ServerSettings(threads=2)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = room_app(tmp_path_factory.mktemp("room"))
    yield app
    app.extensions["survey.db"].dispose()


@pytest.fixture
def room(app: Flask) -> Iterator[Room]:
    with serving(app, FEW_THREADS) as room:
        yield room


def _answers_of_a_whole_form(room: Room) -> int:
    """How many answers one whole form stores (measured on a phone of its own)."""
    before = stored(room.app)
    phone = room.phone()
    assert send_whole_form(phone, whole_form(phone)).status == 303
    return stored(room.app)[len(before)]


def test_a_phone_dropping_mid_upload_stores_nothing_and_its_resend_stores_everything(room: Room) -> None:
    complete = _answers_of_a_whole_form(room)
    before = stored(room.app)
    phone = room.phone()
    fields = whole_form(phone)
    body = encoded(fields)
    with socket.create_connection(("127.0.0.1", room.port)) as upload:
        upload.sendall(raw_post_head(phone, room.port, len(body)) + body[: len(body) // 2])
        # The phone loses the connection: a reset, with no goodbye.
        upload.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert stored(room.app) == before
    reply = send_whole_form(phone, fields)  # the same form, sent again when the signal is back
    assert reply.status == 303
    assert stored(room.app) == [*before, complete]  # one response, with every answer


def test_phones_holding_connections_open_do_not_block_the_room(room: Room) -> None:
    """Ten phones (five times the threads) each send part of a request and go
    quiet; a trainee still opens and sends the form."""
    before = stored(room.app)
    body = encoded(whole_form(room.phone()))
    with ExitStack() as held:
        for number in range(10):
            slow = held.enter_context(socket.create_connection(("127.0.0.1", room.port)))
            if number % 2:
                slow.sendall(b"GET /s/niamey-2026 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: tex")  # head unfinished
            else:
                slow.sendall(raw_post_head(room.phone(), room.port, len(body)) + body[:100])  # body unfinished
        phone = room.phone()
        assert send_whole_form(phone, whole_form(phone)).status == 303
        assert len(stored(room.app)) == len(before) + 1


def test_a_connection_gone_silent_is_closed(app: Flask) -> None:
    """A phone that stops sending mid-request (out of the Wi-Fi's reach) gives its
    connection back after channel_timeout, so silent phones cannot fill the server."""
    quick = ServerSettings(threads=2, channel_timeout=1, cleanup_interval=1)
    with serving(app, quick) as room, socket.create_connection(("127.0.0.1", room.port), timeout=30) as silent:
        silent.sendall(b"POST /s/niamey-2026 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\nq=")
        assert silent.recv(1024) == b""  # closed by the server, not answered


def test_a_chunked_body_over_the_limit_is_refused_and_stores_nothing(room: Room) -> None:
    """A body sent in chunks, larger than SURVEY_MAX_CONTENT_LENGTH, is refused
    with 413 rather than cut to size and stored."""
    before = stored(room.app)
    phone = room.phone()
    fields = whole_form(phone)
    limit = int(room.app.config["MAX_CONTENT_LENGTH"])
    body = encoded([*fields, ("q__comment_improve", "x" * limit)])
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in _pieces(body, 16 * 1024)) + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", room.port), timeout=30) as upload:
        upload.sendall(raw_post_head(phone, room.port, 0, chunked=True) + chunks)
        head = upload.recv(4096).split(b"\r\n", 1)[0]
    assert head.split(b" ")[1] == b"413"
    assert stored(room.app) == before


def test_the_server_does_not_announce_its_name(room: Room) -> None:
    reply = room.phone().get("/s/niamey-2026")
    assert reply.status == 200
    assert reply.headers.get("Server") is None


def test_serving_this_computer_alone_prints_its_links(app: Flask) -> None:
    with serving(app, FEW_THREADS) as room:
        printed = "\n".join(room.printed)
    assert f"This computer only: http://127.0.0.1:{room.port}" in printed
    assert f"Trainee form (niamey-2026): http://127.0.0.1:{room.port}/s/niamey-2026" in printed
    assert "2 threads; a connection silent for 60 s is closed" in printed


def _pieces(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]
