"""``python -m bench.app_split``: how a trainee's server CPU splits, inside gunicorn.

Serves the application under the bench's gunicorn settings, wrapped in a WSGI
timer that adds up each request's thread CPU time (the application's own work,
database driver included) by method, and drives trainees (GET + whole POST) at
concurrency 1 for a few seconds. Prints, per trainee: the CPU inside the
application for the GET and the POST, the server's total (gunicorn's HTTP
parsing and writing, thread hand-offs), and the same total for the bare unit.
With ``--no-js`` the trainee walks page by page (GET + a POST per page, as
bench.load.TraineeFormWithoutJavaScript) and the bare unit is GET + 3 POSTs.
``--concurrency 8`` loads the server as ``make bench`` does, for a figure
comparable with its "server CPU" columns (at concurrency 1 a worker wakes
for each request alone, and the figure differs).

In process (``python -m bench.profile``) the application costs about half of
what it costs here: under gunicorn the SQLite file is shared by two processes
and several connections, so statements and commits cost more.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench import databases
from bench.load import BareForm, Unit, drive
from bench.server import gunicorn, server_cpu_ms

SPLIT_DIR = "BENCH_SPLIT_DIR"


def create_timed_app() -> Any:
    """The survey app, each request's thread CPU time added up by method (for gunicorn)."""
    from survey import create_app

    app = create_app()
    inner = app.wsgi_app
    totals: dict[str, list[float]] = {}
    seen = [0]
    lock = threading.Lock()
    out = Path(os.environ[SPLIT_DIR]) / f"{os.getpid()}.json"

    def timed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.thread_time()
        body = inner(environ, start_response)
        chunks = list(body)
        close = getattr(body, "close", None)
        if close is not None:
            close()
        spent = time.thread_time() - started
        with lock:
            count, seconds = totals.get(environ["REQUEST_METHOD"], [0, 0.0])
            totals[environ["REQUEST_METHOD"]] = [count + 1, seconds + spent]
            seen[0] += 1
            if seen[0] % 20 == 0:  # averages: the last few requests may go unwritten
                out.write_text(json.dumps(totals))
        return chunks

    app.wsgi_app = timed  # type: ignore[method-assign]
    return app


def _trainee_cpu(
    database: databases.Database, seconds: float, work: Path, *, no_js: bool, concurrency: int
) -> tuple[dict[str, list[float]], float, int]:
    from bench.run import trainee_units

    split = work / "split"
    split.mkdir()
    env = {**database.app_env(), SPLIT_DIR: str(split)}
    with gunicorn("bench.app_split:create_timed_app()", env, work / "trainee.log", "/s/niamey-2026") as server:
        unit: Unit = trainee_units(server)[1 if no_js else 0]
        drive(unit, server.port, concurrency=concurrency, seconds=1, max_requests=10**6)
        time.sleep(0.2)
        warm = _read_totals(split)
        before = server_cpu_ms(server.pid)
        outcome = drive(unit, server.port, concurrency=concurrency, seconds=seconds, max_requests=10**6)
        spent = sum(server_cpu_ms(server.pid).values()) - sum(before.values())
        time.sleep(0.2)
        totals = _read_totals(split)
    for method, (count, cpu) in warm.items():
        totals[method] = [totals[method][0] - count, totals[method][1] - cpu]
    return totals, spent, outcome.tally.units


def _read_totals(split: Path) -> dict[str, list[float]]:
    """Requests and CPU seconds by method, summed over the workers (as last written)."""
    totals: dict[str, list[float]] = {}
    for path in split.iterdir():
        for method, (count, cpu) in json.loads(path.read_text()).items():
            entry = totals.setdefault(method, [0, 0.0])
            entry[0] += count
            entry[1] += cpu
    return totals


def _bare_cpu(database: databases.Database, seconds: float, work: Path, posts: int, concurrency: int) -> float:
    databases.create_bare_table(database)
    bare = BareForm(posts=posts)
    with gunicorn("bench.bare_app:create_app()", database.app_env(), work / "bare.log", "/bare") as server:
        drive(bare, server.port, concurrency=concurrency, seconds=1, max_requests=10**6)
        before = server_cpu_ms(server.pid)
        outcome = drive(bare, server.port, concurrency=concurrency, seconds=seconds, max_requests=10**6)
        spent = sum(server_cpu_ms(server.pid).values()) - sum(before.values())
    return spent / max(outcome.tally.units, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.app_split", description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per server (default 8)")
    parser.add_argument("--no-js", action="store_true", help="walk page by page, as without JavaScript")
    parser.add_argument("--concurrency", type=int, default=1, help="virtual trainees (default 1, at most 64)")
    databases.add_arguments(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 64:
        parser.error("--concurrency must be in [1, 64]")
    posts = 3 if args.no_js else 1
    with tempfile.TemporaryDirectory(prefix="survey-split-") as tmp:
        work = Path(tmp)
        database = databases.fresh(args.database, work, args.postgres_url)
        databases.migrate_and_load_demo(database)
        totals, server_ms, units = _trainee_cpu(
            database, args.seconds, work, no_js=args.no_js, concurrency=args.concurrency
        )
        bare_ms = _bare_cpu(database, args.seconds, work, posts, args.concurrency)
    if not units:
        print("no trainee completed", file=sys.stderr)
        return 1
    walk = "GET + a POST per page, without JavaScript" if args.no_js else "GET + whole POST"
    print(f"{args.database}, concurrency {args.concurrency}, {units} trainees ({walk}); server CPU per trainee:")
    for method in ("GET", "POST"):
        count, cpu = totals.get(method, [0, 0.0])
        each = f"{1000 * cpu / max(count, 1):6.2f} ms"
        if method == "POST" and posts > 1:
            each += f" each, {1000 * cpu / units:.2f} ms per trainee"
        print(f"  inside the application, {method:<4} {each}  ({int(count)} requests)")
    print(f"  whole server (gunicorn included) {server_ms / units:6.2f} ms")
    bare = f"bare GET+{posts}POST" if posts > 1 else "bare GET+POST"
    print(f"  {bare + ', whole server':<32} {bare_ms:6.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
