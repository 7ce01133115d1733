"""``python -m bench``: for each database, the trainee form, the JSON API's
submit and the bare endpoint under gunicorn, at each concurrency, then a
programme's responses read whole through the API (bench/api.py); a table, a
JSON file, and a check that every acknowledged response is stored (exit 1 when
one is not)."""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import api, databases, report, slow_link
from bench.client import Browser
from bench.databases import Database
from bench.load import (
    BareForm,
    BareInsert,
    TraineeForm,
    TraineeFormWithoutJavaScript,
    Unit,
    default_answers,
    drive,
    session_ids,
)
from bench.server import (
    GUNICORN_OPTIONS,
    REPO,
    Server,
    gunicorn,
    machine_cpu_ms,
    postgres_cpu_ms,
    server_cpu_ms,
    spent_ms,
)

FORM_PATH = "/s/niamey-2026"
DEFAULT_OUTPUT = REPO / "bench" / "results" / "latest.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per run (default 15)")
    parser.add_argument("--quick", action="store_true", help="3 s per run and a short warm-up: a smoke run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32], help="virtual trainees (default 8 32)")
    parser.add_argument("--databases", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each run (default 2)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="hard cap on requests per run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", databases.DEFAULT_POSTGRES_URL),
        help="database dropped and created each run (default: %(default)s)",
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="JSON results (default bench/results/latest.json)"
    )
    parser.add_argument(
        "--stream",
        type=int,
        default=100_000,
        help="responses read whole through the API per database (default 100000, 5000 with --quick; 0: none)",
    )
    parser.add_argument(
        "--no-slow-link", action="store_true", help="skip the slow-link run after the load (bench/slow_link.py)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.warmup = 3.0, 0.5
        args.stream = min(args.stream, 5000)
    if not 0 <= args.stream <= 500_000:
        parser.error("--stream must be in [0, 500000]")
    if not 0 < args.seconds <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--seconds must be in (0, 600] and --warmup in [0, 60]")
    if any(not 1 <= c <= 256 for c in args.concurrency) or not 1 <= args.max_requests <= 1_000_000:
        parser.error("--concurrency must be in [1, 256] and --max-requests in [1, 1000000]")
    return args


def machine() -> dict[str, Any]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "revision": revision(),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[0],
    }


def revision() -> str:
    """The commit measured, and whether the work tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        )
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if head.returncode:
        return "unknown"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def _client_cpu_ms() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000


def measure(
    database: Database,
    server: Server,
    unit: Unit,
    concurrency: int,
    args: argparse.Namespace,
    table: str,
    key_column: str,
) -> report.Run:
    """Warm up (unmeasured), then one measured run and the check of what it stored."""
    if args.warmup:
        drive(unit, server.port, concurrency=concurrency, seconds=args.warmup, max_requests=args.max_requests)
    rows_before = databases.count_rows(database, table)
    before: dict[str, Any] = {}

    def read_meters() -> dict[str, Any]:
        return {
            "server": server_cpu_ms(server.pid),
            "postgres": postgres_cpu_ms() if database.name == "postgresql" else None,
            "client": _client_cpu_ms(),
            "machine": machine_cpu_ms(),
        }

    outcome = drive(
        unit,
        server.port,
        concurrency=concurrency,
        seconds=args.seconds,
        max_requests=args.max_requests,
        on_start=lambda: before.update(read_meters()),
    )
    after = read_meters()
    check = databases.check_stored(database, table, key_column, rows_before, outcome.tally.acknowledged)
    busy = after["machine"][0] - before["machine"][0]
    capacity = after["machine"][1] - before["machine"][1] or 1.0
    server_ms = spent_ms(before["server"], after["server"])
    postgres_ms = None if after["postgres"] is None else spent_ms(before["postgres"], after["postgres"])
    client_ms = after["client"] - before["client"]
    tally = outcome.tally
    run = report.Run(
        database=database.name,
        unit=unit.name,
        requests_per_unit=unit.requests_per_unit,
        concurrency=concurrency,
        seconds=round(outcome.elapsed, 3),
        units=tally.units,
        requests=tally.requests,
        unit_ms=report.percentiles(tally.unit_seconds),
        request_ms=report.percentiles(tally.request_seconds),
        errors=dict(tally.errors),
        server_cpu_ms=server_ms,
        database_cpu_ms=postgres_ms,
        client_cpu_ms=client_ms,
        machine_busy_percent=100 * busy / capacity,
        others_percent=max(0.0, 100 * (busy - server_ms - (postgres_ms or 0.0) - client_ms) / capacity),
        reconnects=tally.reconnects,
        capped=outcome.capped,
        workers_replaced=bool(set(before["server"]) - set(after["server"])),
        acknowledged=check.acknowledged,
        stored=check.stored,
        missing=check.missing,
        cores=os.cpu_count() or 1,
    )
    print(
        f"  {database.name:<10} c{concurrency:<3} {unit.name:<15} {run.units_per_s:7.1f} units/s "
        f"{run.error_count} errors; {report.stored_line(run)}",
        flush=True,
    )
    return run


def trainee_units(server: Server) -> tuple[TraineeForm, TraineeFormWithoutJavaScript]:
    """The trainee with and without JavaScript, with the programme's session ids read from the form."""
    browser = Browser("127.0.0.1", server.port, 30)
    try:
        reply = browser.get(FORM_PATH)
    finally:
        browser.close()
    if reply.status != 200:
        raise RuntimeError(f"GET {FORM_PATH} answered {reply.status}")
    sessions = session_ids(reply.text())
    if not sessions:
        raise RuntimeError("no session_usefulness question on the first page: not the default questionnaire?")
    answers = default_answers(sessions)
    return TraineeForm(FORM_PATH, answers), TraineeFormWithoutJavaScript(FORM_PATH, answers)


def bench_database(database: Database, args: argparse.Namespace, logs: Path, streams: list[str]) -> list[report.Run]:
    """The runs of one database; the line of its read through the API is added to ``streams``."""
    runs: list[report.Run] = []
    databases.migrate_and_load_demo(database)
    mode = databases.journal_mode(database)
    print(f"{database.name}: migrated, demo loaded" + (f", journal_mode={mode}" if mode else ""), flush=True)
    with gunicorn("survey:create_app()", database.app_env(), logs / f"{database.name}-survey.log", FORM_PATH) as server:
        units: tuple[Unit, ...] = (*trainee_units(server), api.submit_unit(database, server))
        for concurrency in args.concurrency:
            for unit in units:
                runs.append(measure(database, server, unit, concurrency, args, "responses", "idempotency_key"))
        if args.stream:
            streams.append(api.stream_run(database, server, args.stream))
    databases.create_bare_table(database)
    with gunicorn(
        "bench.bare_app:create_app()", database.app_env(), logs / f"{database.name}-bare.log", "/bare"
    ) as server:
        for concurrency in args.concurrency:
            for bare in (BareInsert(), BareForm(posts=1), BareForm(posts=3)):
                runs.append(measure(database, server, bare, concurrency, args, "bench_bare", "key"))
    return runs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    about = machine()
    started = datetime.now(UTC)
    header = [
        f"survey bench {started:%Y-%m-%d %H:%M} UTC, tree {about['revision']}",
        f"machine: {about['nproc']} x {about['cpu_model']}, Python {about['python']}, Linux {about['kernel']}, "
        f"load average {about['loadavg_at_start']} at start",
        f"server: gunicorn {' '.join(GUNICORN_OPTIONS)} (2 processes for 2 cores, threads to overlap database waits)",
        f"load: closed loop, no think time, {args.seconds:g} s per run after {args.warmup:g} s warm-up, "
        f"cap {args.max_requests} requests; load generator: http.client threads in this process, on the same cores "
        "as the server (its CPU is shown below)",
        "trainee = GET form + one POST of the whole form (what the phone sends with JavaScript on; the unit of the "
        "targets); trainee, no JS = GET form + POST page 1 + POST page 2 + POST send; both end on the 303 (not "
        "followed); fresh cookies per trainee, one keep-alive connection per virtual trainee; API submit = one POST "
        "of the same answers as JSON with a token and an Idempotency-Key, answered 201 (a kiosk app sending)",
    ]
    print(f"running {', '.join(args.databases)} at concurrency {args.concurrency}, {args.seconds:g} s each", flush=True)
    runs: list[report.Run] = []
    streams: list[str] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="survey-bench-") as work:
        workdir = Path(work)
        for name in args.databases:
            try:
                database = databases.fresh(name, workdir, args.postgres_url)
            except databases.Unavailable as exc:
                skipped[name] = str(exc)
                print(f"{name}: skipped, {exc}", flush=True)
                continue
            runs += bench_database(database, args, workdir, streams)
    report.compare_with_bare(runs)
    verdicts = report.judge(runs)
    print()
    print(report.render(runs, verdicts, header))
    if streams:
        print("\nResponses read whole through the API (GET .../responses, pages of 1000, following next_cursor):")
        print("\n".join(streams))
    ok = all(run.stored_ok for run in runs)
    report.write_json(
        args.output,
        {
            "generated_at": started.isoformat(timespec="seconds"),
            "command": shlex.join(
                [Path(sys.executable).name, "-m", "bench", *(argv if argv is not None else sys.argv[1:])]
            ),
            "duration_s": round(time.time() - started.timestamp(), 1),
            "machine": about,
            "settings": {
                "seconds": args.seconds,
                "warmup": args.warmup,
                "concurrency": args.concurrency,
                "max_requests": args.max_requests,
                "gunicorn": list(GUNICORN_OPTIONS),
                "header": header,
            },
            "skipped": skipped,
            "runs": [run.as_json() for run in runs],
            "api_streams": streams,
            "targets": [asdict(v) for v in verdicts],
            "all_acknowledged_stored": ok,
        },
    )
    print(f"\nwrote {args.output}")
    if not args.no_slow_link:
        print()
        slow_link.main(["--runs", "1" if args.quick else "3"])
    return 0 if ok and runs else 1
