"""``survey serve``: the application on waitress, and classroom mode (``--lan``).

Waitress is pure Python (nothing to compile on an organiser's laptop, Windows
included) and serves from one process with a pool of threads: whatever the
process keeps in memory (the caches, in-memory rate limits) holds for every
request. Its event loop reads each request whole, body included, before a
thread sees it, and takes the response into a buffer so that the thread is
free before the phone has read it: a phone on a weak signal, one that drops
mid-upload or one that holds a connection open never occupies a thread. What
it holds is one of ``connection_limit`` connections, for at most
``channel_timeout`` seconds of silence.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

import segno
from flask import Flask
from waitress import wasyncore
from waitress.server import BaseWSGIServer
from waitress.server import create_server as waitress_server

from survey.extensions import db
from survey.lan_address import Interface, candidates, system_interfaces
from survey.services import classroom, erasure
from survey.services.demo import DEMO_PASSWORD
from survey.storage import backups
from survey.web.access_log import ACCESS_LOG
from survey.web.links import public_url

Echo = Callable[[str], None]
#: A host name phones could resolve (laptop.local, say), label by label.
_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")


@dataclass(frozen=True)
class ServerSettings:
    """How the server shares itself out; README.md ("Serving the room") says why these."""

    #: Requests handled at once. The work is mostly CPU on two cores, where more
    #: threads add no speed; eight leave room for requests that wait (a PDF
    #: printed by Chromium, a database writer's turn) while trainees are served.
    threads: int = 8
    #: Seconds a connection may stay silent (mid-request or idle between
    #: requests) before it is closed; a phone that resends opens a new one.
    channel_timeout: int = 60
    #: Seconds between two sweeps for silent connections.
    cleanup_interval: int = 10
    #: Connections open at once: 30 phones keep a few each, a browser up to six;
    #: under macOS's default limit of 256 open files for a process.
    connection_limit: int = 200


class Refused(Exception):
    """The server will not start; the message says why and what to do."""


class Server:
    """A waitress server listening on one address, and the loop map it runs on."""

    def __init__(self, waitress: BaseWSGIServer, loop_map: dict[int, Any]) -> None:
        self.waitress = waitress
        self._map = loop_map
        assert waitress.socket is not None
        #: The port it listens on (the one chosen for port 0).
        self.port = int(waitress.socket.getsockname()[1])

    def run(self) -> None:
        """Serve until Ctrl-C, SIGTERM or :meth:`stop`, then let running requests end."""
        try:
            self.waitress.run()
        finally:
            self.waitress.task_dispatcher.shutdown()

    def stop(self) -> None:
        """From another thread: the loop closes every connection and returns."""
        trigger: Any = self.waitress.trigger  # the stubs call it an int
        trigger.pull_trigger(partial(wasyncore.close_all, self._map))

    def close(self) -> None:
        """Stop listening and let the threads go (once it stopped, or if it never ran)."""
        wasyncore.close_all(self._map)
        self.waitress.task_dispatcher.shutdown()


def create_server(app: Flask, host: str, port: int, settings: ServerSettings | None = None) -> Server:
    """A waitress server for ``app`` listening on ``host`` (an IP address) and
    ``port`` (0: any free port), not started yet."""
    settings = settings or ServerSettings()
    try:
        ipaddress.ip_address(host)
    except ValueError as exc:
        raise Refused(f"--host must be an IP address such as 127.0.0.1 or 0.0.0.0, not {host!r}") from exc
    try:
        loop_map: dict[int, Any] = {}
        server = waitress_server(
            app,
            map=loop_map,
            host=host,
            port=port,
            threads=settings.threads,
            channel_timeout=settings.channel_timeout,
            cleanup_interval=settings.cleanup_interval,
            connection_limit=settings.connection_limit,
            # Bodies up to twice the application's limit reach it, which answers 413
            # in the visitor's language; larger ones are cut off by the server.
            max_request_body_size=2 * int(app.config["MAX_CONTENT_LENGTH"]),
            # poll(): no limit of 1024 on descriptor numbers, as select() has.
            asyncore_use_poll=True,
            # No Server header: the service does not announce what runs it.
            ident="",
        )
    except OSError as exc:
        raise Refused(f"cannot listen on {host} port {port}: {exc.strerror} (is another server running?)") from exc
    if not isinstance(server, BaseWSGIServer):  # one IP address gives one socket
        raise Refused(f"cannot listen on {host}")
    return Server(server, loop_map)


def on_network(host: str) -> bool:
    """Whether a server listening on ``host`` can be reached from other machines."""
    return not ipaddress.ip_address(host).is_loopback


def check_accounts(echo_command: str) -> None:
    """Refuse to open the room's network while an account signs in with the
    demo password, or while no account can sign in at all."""
    session = db.session()
    try:
        exposed = classroom.accounts_with_password(session, DEMO_PASSWORD)
        accounts = classroom.active_accounts(session)
    finally:
        db.session.remove()
    create = f"  {echo_command} user create you@example.org --role organiser"
    if exposed:
        lines = [
            f"refusing to serve the room's network: these accounts still sign in with the demo password "
            f"({DEMO_PASSWORD}), which anyone in the room could type:",
            *(f"  {email}" for email in exposed),
            "Give each a password of its own:",
            *(f"  {echo_command} user set-password {email}" for email in exposed),
            "or create your own organiser account, then disable the demo one:",
            create,
            *(f"  {echo_command} user disable {email}" for email in exposed),
        ]
        raise Refused("\n".join(lines))
    if accounts == 0:
        raise Refused(f"refusing to serve the room's network: no account can sign in. Create one first:\n{create}")


def choose_address(found: list[Interface], echo: Echo) -> str:
    """The detected address phones will use; Refused when there is none."""
    ranked = candidates(found)
    if not ranked:
        raise Refused(
            "this computer has no address on a local network: join the room's Wi-Fi (or start a hotspot) "
            "and try again, or name the address with --address"
        )
    if len(ranked) > 1:
        others = ", ".join(f"{c.address} ({c.interface})" for c in ranked[1:])
        echo(f"Other addresses of this computer: {others}; choose one with --address if phones cannot connect.")
    return ranked[0].address


def room_links(app: Flask, base: str) -> list[tuple[str, str]]:
    """(label, address) of what the room opens: each open programme's form, and the sign-in page."""
    session = db.session()
    try:
        slugs = classroom.open_programmes(session)
    finally:
        db.session.remove()
    with app.test_request_context(base_url=base):
        links = [(f"Trainee form ({slug})", public_url("trainee.take_form", slug=slug)) for slug in slugs]
        links.append(("Organisers sign in", public_url("auth.login")))
    return links


def print_qr(url: str, echo: Echo) -> None:
    """``url`` as a QR code drawn with characters, for a phone held up to the screen."""
    drawn = io.StringIO()
    segno.make(url, error="m").terminal(out=drawn, compact=True, border=2)
    echo(drawn.getvalue().rstrip("\n"))


def backup_schedule(app: Flask, database: Path, echo: Echo) -> backups.Schedule:
    folder = backups.folder_in(Path(app.config["INSTANCE_DIR"]))
    keep = int(app.config["BACKUP_KEEP"])
    return backups.Schedule(lambda: backups.back_up(database, folder, keep), float(app.config["BACKUP_MINUTES"]), echo)


class RetentionSweep:
    """Erases the programmes whose retention period has passed: once at startup,
    then every RETENTION_HOURS, in a thread of its own (survey.services.erasure)."""

    def __init__(self, app: Flask, echo: Echo) -> None:
        self.app, self.echo = app, echo
        self.hours = float(app.config["RETENTION_HOURS"])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention", daemon=True)

    def start(self) -> None:
        if self.hours > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def sweep(self) -> None:
        with self.app.app_context():
            try:
                for slug in erasure.erase_expired(db.session()):
                    self.echo(f"Retention period passed: erased the responses and codes of {slug}.")
            except Exception:  # a failed sweep must not stop the server; the next one tries again
                logging.getLogger(__name__).exception("retention sweep failed")

    def _run(self) -> None:
        self.sweep()
        while not self._stop.wait(self.hours * 3600):
            self.sweep()


def stop_on_sigterm() -> None:
    """SIGTERM (a service manager, ``kill``) stops the server as Ctrl-C does,
    so the closing backup is made."""

    def exit_now(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, exit_now)


def command_name() -> str:
    """How the person at the terminal called this command, for the hints printed."""
    called = sys.argv[0] if sys.argv else ""
    return called if Path(called).name == "survey" else "survey"


def serve(
    app: Flask,
    *,
    host: str | None = None,
    port: int = 5000,
    lan: bool = False,
    address: str | None = None,
    settings: ServerSettings | None = None,
    echo: Echo = print,
    interfaces: Callable[[], list[Interface]] = system_interfaces,
    ready: Callable[[Server], None] | None = None,
    report_worker: bool = False,
) -> None:
    """Serve ``app`` until stopped: on 127.0.0.1 for this computer alone, or in
    classroom mode (``lan``) on every interface, with the laptop's address (or
    SURVEY_BASE_URL) in every link, QR code and poster, and backups of the
    embedded database every BACKUP_MINUTES and at closing.

    Refused, before anything listens, when the network would be opened with the
    demo password still valid, with no account, or with cookies that browsers
    would not send back over plain http. ``ready`` gets the listening server
    (tests stop it with :meth:`Server.stop`). With ``report_worker``, a
    ``survey worker`` child process makes the report documents, at a lower CPU
    priority, and is stopped with the server.
    """
    stop_on_sigterm()
    settings = settings or ServerSettings()
    host = host or ("0.0.0.0" if lan else "127.0.0.1")  # noqa: S104 (the room's network is the point)
    try:
        # --lan behind a proxy on this computer still opens the room's network.
        network = lan or on_network(host)
    except ValueError as exc:
        raise Refused(f"--host must be an IP address such as 127.0.0.1 or 0.0.0.0, not {host!r}") from exc
    if address is not None and not (_is_ip(address) or _HOST_NAME.fullmatch(address)):
        raise Refused(f"--address must be an IP address or a host name, not {address!r}")
    base: str = app.config["BASE_URL"]
    _refuse_unsafe(app, network, base, echo)
    chosen = None
    if lan and not base:
        chosen = address or choose_address(interfaces(), echo)
    elif lan and address:
        echo(f"SURVEY_BASE_URL is set: links use {base}, not {address}.")
    server = create_server(app, host, port, settings)
    access_log = log_requests()
    try:
        if chosen is not None:
            app.config["BASE_URL"] = base = _url(chosen, server.port)
        echo(
            f"Serving with waitress on {host}:{server.port}: {settings.threads} threads; "
            f"a connection silent for {settings.channel_timeout} s is closed."
        )
        unspecified = ipaddress.ip_address(host).is_unspecified
        _announce(app, base or ("" if unspecified else _url(host, server.port)), network, echo)
        retention = RetentionSweep(app, echo)
        retention.start()
        try:
            with (
                backups.held_open(app.config["SQLALCHEMY_DATABASE_URI"]) as database,
                report_worker_process(app, echo, start=report_worker),
            ):
                _serve_with_backups(app, server, database if lan else None, lan, echo, ready)
        finally:
            retention.stop()
    finally:
        ACCESS_LOG.removeHandler(access_log)
        server.close()


def log_requests(stream: TextIO | None = None) -> logging.Handler:
    """Write the access log (survey.web.access_log: routes, never addresses)
    to ``stream``, standard error by default; returns the handler to remove."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    # Not also through the root logger, in whatever form another library set it up.
    ACCESS_LOG.propagate = False
    return handler


def _serve_with_backups(
    app: Flask,
    server: Server,
    database: Path | None,
    lan: bool,
    echo: Echo,
    ready: Callable[[Server], None] | None,
) -> None:
    """Run the server; copy ``database`` (when given) on a schedule and once more
    when the server stops, however it stops."""
    schedule = backup_schedule(app, database, echo) if database is not None else None
    if schedule is not None:
        echo(
            f"Backups of the database: every {app.config['BACKUP_MINUTES']:g} min and when the server stops, "
            f"into {backups.folder_in(Path(app.config['INSTANCE_DIR']))} (the newest {app.config['BACKUP_KEEP']} kept)."
        )
        schedule.start()
    elif lan:
        echo(f"No backups here: {backups.NOT_A_FILE}.")
    try:
        echo("Press Ctrl-C to stop.")
        if ready is not None:
            ready(server)
        server.run()
    finally:
        if schedule is not None:
            schedule.stop()


@contextmanager
def report_worker_process(app: Flask, echo: Echo, *, start: bool = True) -> Iterator[subprocess.Popen[bytes] | None]:
    """A ``survey worker`` child process while the block runs, stopped (SIGTERM) at its end.

    Nothing is started when ``start`` is false, SURVEY_REPORT_WORKERS is 0
    (the workers run elsewhere) or jobs run in the request (immediate). The child
    reads the same SURVEY_* environment as this process; it lowers its own
    priority, and stops by itself if this process dies without stopping it.
    """
    workers = int(app.config["REPORT_WORKERS"])
    if not start or workers <= 0 or app.config["REPORT_QUEUE_URL"] == "immediate":
        yield None
        return
    command = [sys.executable, "-m", "survey", "worker", "--parent", str(os.getpid())]
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603 (our own command)
    echo(
        f"Report worker started (process {child.pid}): {workers} document(s) at a time, "
        f"{app.config['REPORT_NICE']} steps below the server's CPU priority."
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _refuse_unsafe(app: Flask, network: bool, base: str, echo: Echo) -> None:
    """Refuse to open the network with a known password, no account, or cookies
    that browsers would not send back; on this computer only, a note for the last."""
    insecure_cookies = app.config["SESSION_COOKIE_SECURE"] and not base.startswith("https://")
    if not network:
        if insecure_cookies:
            echo("Cookies are Secure (SURVEY_SECURE_COOKIES=1): over plain http a browser may not sign in.")
        return
    check_accounts(command_name())
    if insecure_cookies:
        raise Refused(
            "refusing to serve the room's network over plain http with Secure cookies (SURVEY_SECURE_COOKIES=1): "
            "browsers would not send them back, and no sign-in or form could be sent. Set "
            "SURVEY_SECURE_COOKIES=0 (make run does), or serve behind https and set SURVEY_BASE_URL."
        )


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _announce(app: Flask, base: str, network: bool, echo: Echo) -> None:
    if not base:
        echo("Listening on every interface: links name the address each browser used (--lan names the room's).")
        return
    links = room_links(app, base)
    if network:
        echo(f"Room address: {base}")
    else:
        echo(f"This computer only: {base} (phones in the room: make run LAN=1, or survey serve --lan)")
    for label, url in links:
        echo(f"  {label}: {url}")
    if network:
        forms = [url for label, url in links if label.startswith("Trainee form")]
        target = forms[0] if len(forms) == 1 else links[-1][1]
        echo(f"Scan to open {target}:")
        print_qr(target, echo)
