"""A room's server for the tests: ``survey serve`` in a thread, on a migrated
SQLite file with the demo programme, and a trainee who sends the whole form
over real HTTP. Everything talks to loopback addresses only."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bench.client import Browser, Reply, hidden_fields
from bench.load import default_answers, session_ids
from survey import create_app
from survey.config import TestConfig
from survey.lan_address import Interface
from survey.migrate import upgrade
from survey.models import Answer, Response
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.serve import Server, ServerSettings, serve
from survey.services.demo import DEMO_EMAIL, DEMO_SLUG, ensure_demo

#: The demo organiser's password once changed, as classroom mode demands.
ROOM_PASSWORD = "a-password-of-our-own"
FORM_PATH = f"/s/{DEMO_SLUG}"


def room_app(folder: Path, password: str = ROOM_PASSWORD) -> Flask:
    """The application on a fresh SQLite file in ``folder``, the demo programme open."""
    url = f"sqlite:///{folder / 'survey.db'}"
    upgrade(url)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = folder / "instance"

    app = create_app(Config)
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), DEMO_EMAIL, password)
        session.commit()
    return app


def stored(app: Flask) -> list[int]:
    """The number of answers of each stored response, oldest first."""
    engine: Engine = app.extensions["survey.db"]
    with Session(engine) as session:
        rows = session.execute(
            select(func.count(Answer.response_id))
            .select_from(Response)
            .outerjoin(Answer, Answer.response_id == Response.id)
            .group_by(Response.id)
            .order_by(Response.id)
        )
        return [int(count) for (count,) in rows]


@dataclass
class Room:
    app: Flask
    server: Server
    #: What the command printed, line by line.
    printed: list[str] = field(default_factory=list)
    phones: list[Browser] = field(default_factory=list)

    @property
    def port(self) -> int:
        return self.server.port

    def phone(self, host: str = "127.0.0.1") -> Browser:
        """A phone of its own (cookies, connection), closed when the room closes."""
        self.phones.append(Browser(host, self.port, timeout=30))
        return self.phones[-1]


@contextmanager
def serving(
    app: Flask,
    settings: ServerSettings | None = None,
    *,
    lan: bool = False,
    address: str | None = None,
    interfaces: Callable[[], list[Interface]] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[Room]:
    """``survey serve`` on ``host``, any free port, until the block ends."""
    printed: list[str] = []
    started = threading.Event()
    found: dict[str, Server] = {}
    failure: list[BaseException] = []

    def ready(server: Server) -> None:
        found["server"] = server
        started.set()

    def run() -> None:
        options: dict[str, Any] = {"interfaces": interfaces} if interfaces is not None else {}
        try:
            with app.app_context():
                serve(
                    app,
                    host=host,
                    port=0,
                    lan=lan,
                    address=address,
                    settings=settings,
                    echo=printed.append,
                    ready=ready,
                    **options,
                )
        except BaseException as exc:  # reported to the test below
            failure.append(exc)
            started.set()

    thread = threading.Thread(target=run, name="room-server", daemon=True)
    thread.start()
    started.wait(60)
    if failure:
        raise failure[0]
    server = found["server"]
    room = Room(app, server, printed)
    try:
        yield room
    finally:
        for phone in room.phones:
            phone.close()
        server.stop()
        thread.join(30)


def whole_form(phone: Browser) -> list[tuple[str, str]]:
    """Open the form and return what a phone with JavaScript sends: every page's answers in one POST."""
    reply = phone.get(FORM_PATH)
    assert reply.status == 200, reply.status
    page = reply.text()
    hidden = hidden_fields(page)
    pages = default_answers(session_ids(page))
    fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "carry")]
    fields += [("page", str(len(pages) - 1)), ("whole", "1")]
    fields += [pair for answers in pages for pair in answers]
    return [*fields, ("action", "send")]


def raw_post_head(phone: Browser, port: int, length: int, *, chunked: bool = False) -> bytes:
    """The head of the form's POST as the phone would send it, cookies included."""
    cookies = "; ".join(f"{name}={value}" for name, value in phone.cookies.items())
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    return (
        f"POST {FORM_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Cookie: {cookies}\r\n{framing}\r\n\r\n"
    ).encode()


def send_whole_form(phone: Browser, fields: list[tuple[str, str]]) -> Reply:
    return phone.post(FORM_PATH, fields)


def encoded(fields: list[tuple[str, str]]) -> bytes:
    return urlencode(fields).encode()


@dataclass
class CommandServer:
    """`survey serve` run as a person runs it, in a process of its own."""

    process: subprocess.Popen[str]
    #: What it printed so far, line by line (stdout and stderr).
    printed: list[str]
    #: The address it printed as the room's (or this computer's).
    address: str

    def stop(self) -> int:
        """SIGTERM, as a service manager or `kill` sends; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(60)

    def terminal_qr(self) -> list[str]:
        """The lines of the QR code it drew, after "Scan to open ...:"."""
        start = next(n for n, line in enumerate(self.printed) if line.startswith("Scan to open ")) + 1
        drawn = []
        for line in self.printed[start:]:
            if not line or set(line) - set(" \u2580\u2584\u2588"):
                break
            drawn.append(line)
        return drawn


def survey_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `survey ARGS...` with ``env`` added to this process's environment."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("survey")), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def laptop_env(folder: Path) -> dict[str, str]:
    """A laptop's settings in ``folder``: its SQLite file and instance folder, plain http."""
    return {
        "SURVEY_INSTANCE_PATH": str(folder / "instance"),
        "SURVEY_DATABASE_URL": f"sqlite:///{folder / 'survey.db'}",
        "SURVEY_SECURE_COOKIES": "0",
        "SURVEY_BASE_URL": "",
    }


@contextmanager
def command_server(env: dict[str, str], *args: str) -> Iterator[CommandServer]:
    """`survey serve ARGS...` until the block ends; ready once it printed its address."""
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("survey")), "serve", "--port", "0", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    printed: list[str] = []
    found: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        address = ""
        for line in process.stdout:
            printed.append(line.rstrip("\n"))
            match = re.match(r"(?:Room address|This computer only): (\S+)", line)
            address = match.group(1) if match else address
            if line.startswith("Press Ctrl-C to stop."):  # its last line before serving
                found.put(address)
        found.put("")  # the command ended

    reader = threading.Thread(target=read, name="survey-serve-output", daemon=True)
    reader.start()
    try:
        address = found.get(timeout=120)
        assert address, "survey serve stopped:\n" + "\n".join(printed)
        yield CommandServer(process, printed, address)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        reader.join(30)
        if process.stdout is not None:
            process.stdout.close()
