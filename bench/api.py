"""The JSON API under load: its submit throughput next to the form's, and the
time to read a programme's responses whole through it.

    .venv/bin/python -m bench.api                                # SQLite: 8 and 32 clients, 15 s each; 100,000 read
    .venv/bin/python -m bench.api --database postgresql          # BENCH_POSTGRES_URL, dropped and created
    .venv/bin/python -m bench.api --quick --stream 5000          # a smoke run

Submit: on the server ``python -m bench`` measures (gunicorn, the production
deployment, on a fresh database with the demo programme), each virtual client
POSTs one response as JSON to ``/api/v1/programmes/niamey-2026/responses``
with a bearer token and a new Idempotency-Key, and expects 201: a kiosk app or
an offline client sending. The trainee form (GET, then one POST of the whole
form) runs on the same server just before, at the same concurrency, for
comparison; every acknowledged response is checked in the database afterwards.
A token may make 120 calls a minute (``survey/web/limits.py``): the clients
take turns over a pool of tokens made for the run, so that the limit is not
what is measured (each call still pays for its checks, the limit's included).

Stream: ``--stream`` responses (100,000) are inserted in bulk into a
programme of their own (``bench/report_scale.py``'s builder: the reading is
measured, not the storing, which the submit runs measure), then read through
``GET /api/v1/programmes/<slug>/responses`` a page of 1,000 at a time,
following ``next_cursor`` to the end, as a script or a BI connector does:
the wall time, the pages, the bytes, and the peak resident memory of the
server's worker processes (``VmHWM``) before and after. Every page read is
also written to the audit log, as the service does.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import databases, report
from bench.client import Browser
from bench.databases import Database
from bench.load import Tally, UnitFailed, default_answers
from bench.server import GUNICORN_OPTIONS, Server, gunicorn

FORM_PATH = "/s/niamey-2026"
DEMO_SLUG = "niamey-2026"
#: Tokens in the submit pool: the clients' calls spread under each token's limit per minute.
SUBMIT_TOKENS = 600
#: The largest page the API gives.
PAGE = 1000


@dataclass
class TokenPool:
    """Bearer tokens taken in turn by every client (thread-safe)."""

    secrets: list[str]

    def __post_init__(self) -> None:
        self._turn = itertools.count()
        self._lock = threading.Lock()

    def next(self) -> str:
        with self._lock:
            return self.secrets[next(self._turn) % len(self.secrets)]


@dataclass(frozen=True)
class ApiSubmit:
    """One POST of a whole response as JSON, with a token and a new Idempotency-Key; 201 ends it."""

    path: str
    body: bytes
    tokens: TokenPool
    name: str = report.API_SUBMIT
    requests_per_unit: int = 1

    def __call__(self, browser: Browser, tally: Tally) -> None:
        key = uuid.uuid4()
        headers = {
            "Authorization": f"Bearer {self.tokens.next()}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": str(key),
        }
        reply = browser.call("POST", self.path, self.body, headers)
        tally.requests += 1
        tally.request_seconds.append(reply.seconds)
        if reply.status != 201:
            raise UnitFailed(f"POST API submit: HTTP {reply.status}")
        tally.acknowledged.append(key.hex)


def api_answers(form_pages: Sequence[Sequence[tuple[str, str]]]) -> dict[str, object]:
    """The form's answers (``default_answers``) as the API takes them: variable names,
    numbers as numbers, a multiple choice as a list, empty answers left out."""
    out: dict[str, object] = {}
    for page in form_pages:
        for field, value in page:
            name = field.removeprefix("q__")
            if not value:
                continue
            typed: object = int(value) if value.isdigit() else value
            if name in out:
                earlier = out[name]
                out[name] = [*earlier, typed] if isinstance(earlier, list) else [earlier, typed]
            else:
                out[name] = typed
    return out


def make_tokens(database: Database, slugs: Sequence[str], scopes: Sequence[str], count: int) -> list[str]:
    """``count`` tokens of the demo organiser for ``slugs`` (granted first), inserted in bulk:
    the bench's setup, not the service's way (survey.services.api_tokens.create_token)."""
    import secrets

    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from survey.models import ApiToken, ApiTokenProgramme, Programme, ProgrammeGrant, User
    from survey.services.api_tokens import SHOWN, TOKEN_PREFIX, digest_of
    from survey.services.demo import DEMO_EMAIL
    from survey.storage.engines import make_engine

    engine = make_engine(database.url)
    made = [TOKEN_PREFIX + secrets.token_urlsafe(32) for _ in range(count)]
    now = datetime.now(UTC)
    try:
        with Session(engine) as session:
            user_id = session.scalars(select(User.id).where(User.email == DEMO_EMAIL)).one()
            programme_ids = list(session.scalars(select(Programme.id).where(Programme.slug.in_(slugs))))
            granted = set(session.scalars(select(ProgrammeGrant.programme_id).where(ProgrammeGrant.user_id == user_id)))
            for programme_id in set(programme_ids) - granted:
                session.add(ProgrammeGrant(user_id=user_id, programme_id=programme_id))
            rows = [
                {
                    "user_id": user_id,
                    "name": f"bench {n}",
                    "prefix": secret[:SHOWN],
                    "digest": digest_of(secret, databases.SECRET_KEY),
                    "can_read": "read" in scopes,
                    "can_submit": "submit" in scopes,
                    "created_at": now,
                    "expires_at": now + timedelta(days=7),
                }
                for n, secret in enumerate(made)
            ]
            ids = list(session.scalars(insert(ApiToken).returning(ApiToken.id), rows))
            session.execute(
                insert(ApiTokenProgramme),
                [{"token_id": i, "programme_id": p} for i in ids for p in programme_ids],
            )
            session.commit()
    finally:
        engine.dispose()
    return made


def submit_unit(database: Database, server: Server, tokens: int = SUBMIT_TOKENS) -> ApiSubmit:
    """The API submit unit on the demo programme, its answers those the form's units send."""
    from bench.load import session_ids

    browser = Browser("127.0.0.1", server.port, 30)
    try:
        reply = browser.get(FORM_PATH)
    finally:
        browser.close()
    if reply.status != 200:
        raise RuntimeError(f"GET {FORM_PATH} answered {reply.status}")
    body = json.dumps({"answers": api_answers(default_answers(session_ids(reply.text())))}).encode()
    pool = TokenPool(make_tokens(database, [DEMO_SLUG], ("submit",), tokens))
    return ApiSubmit(f"/api/v1/programmes/{DEMO_SLUG}/responses", body, pool)


# -- reading every response ----------------------------------------------------------------


def _workers(master: int) -> list[int]:
    return [
        int(name) for name in os.listdir("/proc") if name.isdigit() and _status(int(name)).get("PPid") == str(master)
    ]


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def _kb(field: str) -> float:
    return float(field.split()[0]) if field else math.nan


def memory_mb(master: int) -> dict[int, tuple[float, float]]:
    """(peak RSS, current RSS) in MB of each gunicorn worker of ``master``."""
    return {
        pid: (_kb(status.get("VmHWM", "")) / 1024, _kb(status.get("VmRSS", "")) / 1024)
        for pid in _workers(master)
        if (status := _status(pid))
    }


@dataclass(frozen=True)
class StreamRun:
    responses: int
    pages: int
    #: The JSON as sent (gzip, as the client accepts it), and unpacked.
    megabytes_sent: float
    megabytes_json: float
    seconds: float
    #: Worker pid -> (peak RSS, RSS) in MB, before and after.
    memory_before: dict[int, tuple[float, float]]
    memory_after: dict[int, tuple[float, float]]


def stream(server: Server, slug: str, tokens: TokenPool, page: int = PAGE) -> StreamRun:
    """Read every response of ``slug`` through the API, page after page; each page
    answered 200 or the run fails."""
    before = memory_mb(server.pid)
    browser = Browser("127.0.0.1", server.port, 300)
    cursor: str | None = None
    responses = pages = sent = size = 0
    started = time.perf_counter()
    try:
        while True:
            query = f"?limit={page}" + (f"&cursor={cursor}" if cursor else "")
            headers = {"Authorization": f"Bearer {tokens.next()}", "Accept": "application/json"}
            reply = browser.call("GET", f"/api/v1/programmes/{slug}/responses{query}", None, headers)
            if reply.status != 200:
                raise UnitFailed(f"page {pages + 1}: HTTP {reply.status} {reply.text()[:300]}")
            text = reply.text()
            body = json.loads(text)
            pages += 1
            sent += len(reply.raw)
            size += len(text.encode())
            responses += len(body["responses"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
    finally:
        browser.close()
    seconds = time.perf_counter() - started
    return StreamRun(responses, pages, sent / 1e6, size / 1e6, seconds, before, memory_mb(server.pid))


def _memory_line(run: StreamRun) -> str:
    parts = []
    for pid in sorted(run.memory_after):
        peak_before = run.memory_before.get(pid, (math.nan, math.nan))[0]
        peak, rss = run.memory_after[pid]
        parts.append(f"worker {pid}: peak {peak_before:.0f} -> {peak:.0f} MB (now {rss:.0f} MB)")
    return "; ".join(parts) or "no worker found"


# -- the command -----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n\n")[0])
    databases.add_arguments(parser)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per submit run (default 15)")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run (default 2)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32], help="clients (default 8 32)")
    parser.add_argument("--stream", type=int, default=100_000, help="responses read whole (default 100000; 0: none)")
    parser.add_argument("--no-submit", action="store_true", help="the stream only")
    parser.add_argument("--max-requests", type=int, default=50_000, help="hard cap on requests per run")
    parser.add_argument("--quick", action="store_true", help="3 s per run, a short warm-up: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 3.0, 0.5
    if not 0 < args.seconds <= 600 or not 0 <= args.warmup <= 60 or not 0 <= args.stream <= 500_000:
        parser.error("--seconds in (0, 600], --warmup in [0, 60], --stream in [0, 500000]")
    if any(not 1 <= c <= 256 for c in args.concurrency):
        parser.error("--concurrency must be in [1, 256]")
    return args


def submit_runs(database: Database, server: Server, args: argparse.Namespace) -> list[report.Run]:
    """The trainee form, then the API's submit, at each concurrency, as ``python -m bench`` measures them."""
    from bench.run import measure, trainee_units

    form, _ = trainee_units(server)
    unit = submit_unit(database, server)
    return [
        measure(database, server, each, concurrency, args, "responses", "idempotency_key")
        for concurrency in args.concurrency
        for each in (form, unit)
    ]


def stream_run(database: Database, server: Server, n: int) -> str:
    from bench.report_scale import build

    print(f"  inserting {n:,} responses in bulk ...", flush=True)
    built = build(database.url, [n])
    slug = f"scale-{n}"
    pool = TokenPool(make_tokens(database, [slug], ("read",), max(1, n // (100 * PAGE) + 1)))
    print(f"  inserted in {built['seconds']:.1f} s; reading them through the API ...", flush=True)
    run = stream(server, slug, pool)
    return (
        f"{database.name}: {run.responses:,} of {n:,} responses read in {run.seconds:.1f} s "
        f"({run.responses / run.seconds:,.0f}/s), {run.pages} pages of up to {PAGE}, "
        f"{run.megabytes_json:.1f} MB of JSON ({run.megabytes_sent:.1f} MB sent, gzip); "
        f"{_memory_line(run)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    runs: list[report.Run] = []
    streamed = ""
    with tempfile.TemporaryDirectory(prefix="survey-bench-api-") as work:
        workdir = Path(work)
        database = databases.fresh(args.database, workdir, args.postgres_url)
        databases.migrate_and_load_demo(database)
        print(f"{database.name}: migrated, demo loaded", flush=True)
        with gunicorn("survey:create_app()", database.app_env(), workdir / "survey.log", FORM_PATH) as server:
            if not args.no_submit:
                runs = submit_runs(database, server, args)
            if args.stream:
                streamed = stream_run(database, server, args.stream)
    header = [
        f"gunicorn {' '.join(GUNICORN_OPTIONS)}; closed loop, {args.seconds:g} s per run after {args.warmup:g} s "
        "warm-up; trainee = GET form + one POST of the whole form; API submit = one POST of the same answers as "
        f"JSON, a token (of {SUBMIT_TOKENS}, in turn) and a new Idempotency-Key"
    ]
    if runs:
        print()
        print(report.render(runs, report.judge(runs), header))
    if streamed:
        print()
        print(streamed)
    return 0 if all(run.stored_ok for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
