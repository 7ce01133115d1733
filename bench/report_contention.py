"""``python -m bench.report_contention``: do evaluators' PDFs slow the trainees down?

Starts ``survey serve`` as ``make run`` does (waitress, with its report worker
as a niced child process) on a fresh SQLite database with the demo programme,
then runs the same trainee load twice: once alone, once while 8 evaluators
ask for the PDF report at once, wait on its job page and download it, again
and again. Prints the trainees' submit (the POST of the whole form) p50 and
p99 in both runs, their ratio (target: at most 2), and the PDFs made.

    .venv/bin/python -m bench.report_contention --seconds 30 --trainees 4

Needs Chromium (the PDFs); figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench import databases
from bench.client import Browser, hidden_fields
from bench.load import default_answers, session_ids
from bench.report import percentiles
from bench.server import REPO, free_port

TARGET_RATIO = 2.0
EVALUATORS = 8
FORM_PATH = "/s/niamey-2026"
PDF_PATH = "/e/niamey-2026/reports/pdf"


@dataclass
class Samples:
    submits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pdfs: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def survey_serve(env: dict[str, str], log: Path) -> Iterator[int]:
    """``survey serve`` on a free loopback port (its report worker with it), stopped at the end."""
    port = free_port()
    command = [sys.executable, "-m", "survey", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"survey serve did not start; see {log}") from None
                    time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def trainee(port: int, until: float, samples: Samples) -> None:
    """One phone after another: GET the form, POST it whole (as form.js does); times the POST."""
    browser = Browser("127.0.0.1", port, timeout=120)
    pages = default_answers(session_ids(browser.get(FORM_PATH).text()))
    try:
        while time.monotonic() < until:
            browser.forget()
            hidden = hidden_fields(browser.get(FORM_PATH).text())
            fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "carry")]
            fields += [("page", str(len(pages) - 1)), ("whole", "1")]
            fields += [pair for answers in pages for pair in answers]
            fields.append(("action", "send"))
            reply = browser.post(FORM_PATH, fields)
            with samples.lock:
                if reply.status == 303:
                    samples.submits.append(reply.seconds)
                else:
                    samples.errors.append(f"submit: HTTP {reply.status}")
    finally:
        browser.close()


def signed_in(port: int) -> tuple[Browser, str]:
    """A browser signed in as the demo account, and the CSRF token of its session.

    The evaluators sign in one after the other: every one is the demo account from
    the same address, and the sign-in limit (survey/web/limits.py) counts attempts
    per address and account until one succeeds, so eight at once would be taken for
    guessing and some refused (429), leaving them without a session."""
    from survey.services.demo import DEMO_EMAIL, DEMO_PASSWORD

    browser = Browser("127.0.0.1", port, timeout=300)
    login = hidden_fields(browser.get("/login").text())
    fields = [("csrf_token", login.get("csrf_token", "")), ("email", DEMO_EMAIL), ("password", DEMO_PASSWORD)]
    reply = browser.post("/login", fields)
    page = browser.get("/e/niamey-2026/reports")
    token = hidden_fields(page.text()).get("csrf_token", "")
    if reply.status != 302 or page.status != 200 or not token:
        browser.close()
        raise RuntimeError(f"the demo account could not sign in: HTTP {reply.status}, then {page.status}")
    return browser, token


def evaluator(browser: Browser, token: str, stop: threading.Event, samples: Samples, start: threading.Barrier) -> None:
    """Asks for the PDF, follows its job page until ready, downloads it; again, until the
    trainees' run ends (a PDF still waited for then is left)."""
    start.wait()
    try:
        while not stop.is_set():
            asked = time.perf_counter()
            reply = browser.post(PDF_PATH, [("csrf_token", token), ("lang", "fr")])
            job = reply.headers.get("Location", "")
            if reply.status != 303 or not job:
                with samples.lock:
                    samples.errors.append(f"ask PDF: HTTP {reply.status}")
                return
            job = "/" + job.split("/", 3)[-1] if job.startswith("http") else job
            while not json.loads(browser.get(job + "/state").text()).get("finished"):
                if stop.wait(1):
                    return
            document = browser.get(job + "/file")
            with samples.lock:
                if document.status == 200 and document.raw.startswith(b"%PDF"):
                    samples.pdfs.append(time.perf_counter() - asked)
                else:
                    samples.errors.append(f"PDF: HTTP {document.status}")
    finally:
        browser.close()


def run(port: int, seconds: float, trainees: int, with_reports: bool) -> Samples:
    samples = Samples()
    start = threading.Barrier(EVALUATORS + 1 if with_reports else 1)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    if with_reports:
        signed = [signed_in(port) for _ in range(EVALUATORS)]
        threads += [
            threading.Thread(target=evaluator, args=(browser, token, stop, samples, start)) for browser, token in signed
        ]
    for thread in threads:
        thread.start()
    start.wait()  # every evaluator signed in: the PDFs are asked for at once
    until = time.monotonic() + seconds
    trainees_threads = [threading.Thread(target=trainee, args=(port, until, samples)) for _ in range(trainees)]
    _start_and_join(trainees_threads)
    stop.set()
    for thread in threads:
        thread.join(timeout=600)
    return samples


def _start_and_join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def line(name: str, samples: Samples) -> str:
    figures = percentiles(samples.submits, (50, 99))
    return f"  {name:<28} submits {len(samples.submits):>5}   p50 {figures['p50']} ms   p99 {figures['p99']} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run (default 30)")
    parser.add_argument("--trainees", type=int, default=4, help="trainees submitting at once (default 4)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="survey-report-contention-") as workdir:
        database = databases.sqlite(Path(workdir))
        databases.migrate_and_load_demo(database)
        env = {**os.environ, **database.app_env(), "SURVEY_REPORT_QUEUE_URL": ""}
        log = Path(workdir) / "serve.log"
        with survey_serve(env, log) as port:
            alone = run(port, args.seconds, args.trainees, with_reports=False)
            loaded = run(port, args.seconds, args.trainees, with_reports=True)
        served = log.read_text(encoding="utf-8", errors="replace")
    workers, nice = os.environ.get("SURVEY_REPORT_WORKERS", "1"), os.environ.get("SURVEY_REPORT_NICE", "10")
    print(
        f"survey serve (waitress, 8 threads) on SQLite, {os.cpu_count()} cores; report worker: {workers} at nice "
        f"{nice}; {args.trainees} trainees submitting for {args.seconds:g} s:"
    )
    print(line("alone", alone))
    print(line(f"while {EVALUATORS} evaluators ask PDFs", loaded))
    pdf = percentiles(loaded.pdfs, (50, 99))
    print(f"  PDFs made: {len(loaded.pdfs)}; from asking to the file: p50 {pdf['p50']} ms, p99 {pdf['p99']} ms")
    ratios = [percentiles(loaded.submits, (p,))[f"p{p}"] or 0 for p in (50, 99)]
    bases = [percentiles(alone.submits, (p,))[f"p{p}"] or 0 for p in (50, 99)]
    shown = [f"{r / b:.2f}" if b else "-" for r, b in zip(ratios, bases, strict=True)]
    print(f"  with reports / alone: p50 x{shown[0]}, p99 x{shown[1]} (target: at most x{TARGET_RATIO:g})")
    errors = alone.errors + loaded.errors
    if errors:
        print(f"  errors: {len(errors)}, first: {errors[0]}")
        print(served[served.find("Traceback") :][-3000:])
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
