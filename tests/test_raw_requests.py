"""Random bytes at a real server never get a 5xx, and never leave a partial response.

The Flask test client cannot send a raw NUL in a path, a broken percent-escape, a
body that is not UTF-8 or a truncated chunked body: these requests go through a
socket to `survey serve` (waitress, as `make run` starts it) on loopback, on a
database nothing rolls back, SQLite and PostgreSQL. Hypothesis builds them from a
valid request of each kind: the trainee form, code entry, sign-in and every staff
POST of the URL map, signed in as an administrator with a valid CSRF token, so that
the bytes reach the views rather than stopping at the token check.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bench.client import Browser, hidden_fields
from survey import create_app
from survey.config import TestConfig
from survey.extensions import db
from survey.models import Answer, Response, Role
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.serve import ServerSettings
from survey.services.users import create_user
from tests.helpers import full_answers, open_seed_programme
from tests.serving import Room, serving
from tests.storage.test_store_response import migrated_sqlite, server_url

__all__ = ["migrated_sqlite", "server_url"]  # fixtures this module uses

ADMIN = ("admin@example.org", "a long admin password")
FUZZ = settings(
    max_examples=int(os.environ.get("SURVEY_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Bytes that broke services before: NUL, CR/LF, broken escapes, lone UTF-8 bytes, overlong forms.
NASTY = [b"\x00", b"%00", b"\r\n", b"%0d%0a", b"%", b"%Z", b"%E8", b"\xe8", b"\xff\xfe", b"\xc0\xaf", b"%C0%AF"]
nasty_bytes = st.lists(st.one_of(st.sampled_from(NASTY), st.binary(max_size=8)), max_size=6).map(b"".join)


@pytest.fixture
def room(server_url: str, tmp_path: Path) -> Iterator[Room]:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = server_url
        INSTANCE_DIR = tmp_path / "instance"

    app: Flask = create_app(Config)
    with app.app_context():
        open_seed_programme(db.session(), load_definition(DEFAULT_QUESTIONNAIRE))
        create_user(db.session(), *ADMIN, Role.ADMIN, "Admin")
        create_user(db.session(), "other@example.org", "another long password", Role.EVALUATOR, "Other")
        db.session.commit()
        db.session.remove()
    with serving(app, ServerSettings(threads=4)) as room:
        yield room
    app.extensions["survey.db"].dispose()


def exchange(port: int, request: bytes, *, half_close: bool = False) -> int | None:
    """Send ``request`` as it is; the reply's status, or None when the server closed without one."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)  # the phone is gone mid-body
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    status = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    return int(status.group(1)) if status else None


def head(method: str, target: bytes, cookies: str, extra: bytes = b"") -> bytes:
    return (
        method.encode() + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Cookie: " + cookies.encode() + b"\r\n" + extra
    )


def with_body(method: str, target: bytes, cookies: str, body: bytes, content_type: bytes, framing: str) -> bytes:
    start = head(method, target, cookies, b"Content-Type: " + content_type + b"\r\n")
    if framing == "chunked":
        return start + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    if framing == "chunked, truncated":
        return start + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % (len(body) + 10) + body
    if framing == "length, truncated":
        return start + b"Content-Length: %d\r\n\r\n" % (len(body) + 10) + body
    return start + b"Content-Length: %d\r\n\r\n" % len(body) + body


def mutate(body: bytes, data: st.DataObject) -> bytes:
    """``body`` with a few places replaced by nasty bytes."""
    for _ in range(data.draw(st.integers(0, 3))):
        at = data.draw(st.integers(0, len(body)))
        cut = data.draw(st.integers(0, 4))
        body = body[:at] + data.draw(nasty_bytes) + body[at + cut :]
    return body


framings = st.sampled_from(["length", "chunked", "chunked, truncated", "length, truncated"])
content_types = st.sampled_from(
    [b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x", b"application/json", b"text/\xe8", b""]
)


def responses_and_answers(app: Flask) -> tuple[int, int]:
    """How many responses are stored, and how many of them have no answer at all."""
    with app.app_context():
        session = db.session()
        total = session.scalar(select(func.count()).select_from(Response)) or 0
        bare = session.scalar(
            select(func.count())
            .select_from(Response)
            .where(~select(Answer.response_id).where(Answer.response_id == Response.id).exists())
        )
        db.session.remove()
    return total, bare or 0


def fuzz(room: Room, request: bytes, *, truncated: bool) -> int | None:
    before, _ = responses_and_answers(room.app)
    status = exchange(room.port, request, half_close=truncated)

    after, bare = responses_and_answers(room.app)
    assert status is None or status < 500, request[:300]
    assert bare == 0, request[:300]
    if status != 303:
        assert after == before, (status, request[:300])  # nothing stored unless the receipt was given
    return status


@pytest.fixture
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.ERROR):
        yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[:3000]


def test_the_trainee_form_survives_random_bytes(room: Room, no_server_errors: None) -> None:
    phone = room.phone()
    page = phone.get("/s/niamey").text()
    hidden = hidden_fields(page)
    fields: list[tuple[str, str]] = [(k, hidden.get(k, "")) for k in ("csrf_token", "idem", "carry")]
    fields += [("whole", "1"), ("action", "send"), ("page", "2")]
    with room.app.app_context():
        from survey.models import Programme

        programme = db.session.scalars(select(Programme)).one()
        for answers in full_answers(programme):
            for name, value in answers.items():
                if isinstance(value, list):
                    fields += [(name, str(item)) for item in value]
                elif value is not None:
                    fields.append((name, str(value)))
        db.session.remove()
    valid = urlencode(fields).encode()
    cookies = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())

    @FUZZ
    @given(data=st.data(), framing=framings, content_type=content_types)
    def send(data: st.DataObject, framing: str, content_type: bytes) -> None:
        body = mutate(valid, data)
        # Half the time the trainee's own idempotency key is kept: a repeat must store once.
        fresh = data.draw(st.booleans())
        if fresh:
            body = re.sub(
                rb"idem=[0-9a-f]{32}", b"idem=" + data.draw(st.sampled_from([b"%E8", b"\x00", b"a" * 40])), body
            )
        request = with_body("POST", b"/s/niamey", cookies, body, content_type, framing)
        fuzz(room, request, truncated="truncated" in framing)

    send()


def test_paths_queries_and_headers_survive_random_bytes(room: Room, no_server_errors: None) -> None:
    @FUZZ
    @given(
        prefix=st.sampled_from([b"/s/", b"/c/", b"/k/niamey/", b"/o/", b"/e/", b"/admin/users/", b"/login?next="]),
        tail=nasty_bytes,
        header=st.sampled_from([b"Cookie", b"Accept-Language", b"Accept-Encoding", b"If-None-Match", b"Referer"]),
        value=nasty_bytes,
    )
    def send(prefix: bytes, tail: bytes, header: bytes, value: bytes) -> None:
        target = prefix + tail.replace(b" ", b"%20").replace(b"\r\n", b"%0d%0a")
        request = head("GET", target, "lang=fr") + header + b": " + value.replace(b"\r\n", b"") + b"\r\n\r\n"
        fuzz(room, request, truncated=False)

    send()


def _signed_in(room: Room) -> tuple[Browser, str]:
    browser = room.phone()
    token = hidden_fields(browser.get("/login").text())["csrf_token"]
    reply = browser.post("/login", [("csrf_token", token), ("email", ADMIN[0]), ("password", ADMIN[1])])
    assert reply.status == 302, reply.status
    page = browser.get("/o/niamey/settings").text()
    return browser, hidden_fields(page)["csrf_token"]


def staff_targets(app: Flask, method: str = "POST") -> list[bytes]:
    """Every ``method`` route but the trainee's and sign-out, its variables filled as a staff user would."""
    values = {"slug": "niamey", "response_id": "00000000-0000-4000-8000-000000000001", "user_id": "2"}
    values |= {"programme_id": "1", "state": "off", "token": "x"}
    targets = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint in {"trainee.take_form", "auth.logout", "static"}:
            continue
        targets.append(re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "x"), rule.rule).encode())
    return sorted(targets)


def test_every_staff_post_survives_random_bytes(room: Room, no_server_errors: None) -> None:
    browser, token = _signed_in(room)
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    targets = staff_targets(room.app)
    assert b"/login" in targets
    assert b"/o/niamey/entry" in targets
    assert b"/admin/users" in targets
    names = st.sampled_from(["email", "password", "title", "slug", "count", "reason", "role", "mode", "number", "x"])

    @FUZZ
    @given(target=st.sampled_from(targets), data=st.data(), framing=framings, content_type=content_types)
    def send(target: bytes, data: st.DataObject, framing: str, content_type: bytes) -> None:
        pairs = data.draw(st.lists(st.tuples(names, st.text(max_size=12)), max_size=4))
        body = mutate(urlencode([("csrf_token", token), *pairs]).encode(), data)
        fuzz(room, with_body("POST", target, cookies, body, content_type, framing), truncated="truncated" in framing)

    send()


def test_every_staff_page_survives_random_queries(room: Room, no_server_errors: None) -> None:
    browser, _ = _signed_in(room)
    cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    targets = staff_targets(room.app, "GET")
    assert b"/o/niamey/responses" in targets
    assert b"/e/niamey/reports" in targets
    names = st.sampled_from([b"page", b"lang", b"q", b"language", b"status", b"source", b"cursor", b"next", b"n"])

    @FUZZ
    @given(target=st.sampled_from(targets), name=names, value=nasty_bytes)
    def send(target: bytes, name: bytes, value: bytes) -> None:
        query = name + b"=" + value.replace(b" ", b"%20").replace(b"\r\n", b"%0d%0a").replace(b"#", b"%23")
        fuzz(room, head("GET", target + b"?" + query, cookies) + b"\r\n", truncated=False)

    send()
