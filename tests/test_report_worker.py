"""The report worker as it runs: a real ``survey worker`` process on a SQLite
file, taking jobs from the kept queue (Huey's SQLite file in the instance
folder), at a lower CPU priority; killed mid-job, the job is made by the next
worker; ``survey serve``'s child worker stops with the server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey import create_app
from survey.config import TestConfig
from survey.migrate import upgrade
from survey.models import JobState, Programme, ReportJob, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.serve import report_worker_process
from survey.services import report_jobs
from survey.services.demo import DEMO_EMAIL, DEMO_SLUG, add_random_responses, ensure_demo
from survey.services.report_queue import ReportQueue

HEARTBEAT = 0.2
#: A worker whose documents wait for a file to appear: it can be killed mid-job.
HELD_WORKER = """
import pathlib, sys, time
from survey.services import report_documents
gate = pathlib.Path(sys.argv[1])
real = report_documents.write_report
def held(*args, **kwargs):
    while not gate.exists():
        time.sleep(0.05)
    return real(*args, **kwargs)
report_documents.write_report = held
from survey.cli import main
main(["worker"])
"""


@pytest.fixture
def room(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The demo programme, closed with 8 responses, on a SQLite file, its queue a SQLite file
    beside it; the environment a worker started now reads."""
    url = f"sqlite:///{tmp_path / 'survey.db'}"
    upgrade(url)
    instance = tmp_path / "instance"
    environment = {
        "SURVEY_DATABASE_URL": url,
        "SURVEY_INSTANCE_PATH": str(instance),
        "SURVEY_SECRET_KEY": "test-secret-key-not-for-production",
        "SURVEY_REPORT_QUEUE_URL": "",
        "SURVEY_REPORT_HEARTBEAT_SECONDS": str(HEARTBEAT),
        "SURVEY_REPORT_NICE": "7",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        INSTANCE_DIR = instance
        REPORT_QUEUE_URL = ""
        REPORT_HEARTBEAT_SECONDS = HEARTBEAT

    app = create_app(Config)
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), DEMO_EMAIL, "a-password-of-our-own")
        session.commit()
        programme = session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).one()
        add_random_responses(session, programme, 8, seed=3)
        programme.status = "closed"  # every response in its documents (open: whole batches of k only)
        session.commit()
    yield app
    app.extensions["survey.db"].dispose()


def ask(app: Flask, fmt: str) -> str:
    """The demo organiser asks for ``fmt`` in French, as the web page does; the job's id."""
    queue: ReportQueue = app.extensions["survey.report_queue"]
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        asker = session.scalars(select(User).where(User.email == DEMO_EMAIL)).one()
        programme = session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).one()
        return report_jobs.ask(session, asker, [programme], fmt, "fr", queue.enqueue).id


def job(app: Flask, job_id: str) -> ReportJob:
    with Session(app.extensions["survey.db"], expire_on_commit=False) as session:
        found = session.get(ReportJob, job_id)
        assert found is not None
        return found


def wait_for(app: Flask, job_id: str, state: JobState, worker: subprocess.Popen[bytes] | None = None) -> ReportJob:
    """The job once in ``state``; fails if the worker exits or a minute goes by (a stuck worker)."""
    deadline = time.monotonic() + 60
    while (found := job(app, job_id)).state != state.value:
        assert worker is None or worker.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, f"job still {found.state}, not {state}"
        time.sleep(0.05)
    return found


def start_worker(*command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *command], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def stop(worker: subprocess.Popen[bytes]) -> int:
    worker.terminate()
    return worker.wait(timeout=30)


def test_a_worker_process_makes_the_documents_at_a_lower_priority(room: Flask) -> None:
    worker = start_worker("-m", "survey", "worker")
    try:
        ids = [ask(room, "json"), ask(room, "html")]
        done = [wait_for(room, job_id, JobState.READY, worker) for job_id in ids]
        assert psutil.Process(worker.pid).nice() == psutil.Process().nice() + 7
    finally:
        assert stop(worker) in {0, -signal.SIGTERM}
    settings = room.extensions["survey.report_queue"].settings
    summary = json.loads(report_jobs.file_of(done[0], settings).read_bytes())
    assert summary["responses"]["n"] == 8
    assert summary["language"] == "fr"
    assert report_jobs.file_of(done[1], settings).read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype")
    assert str(done[1].filename).endswith(".html")


def test_a_job_whose_worker_is_killed_is_made_by_the_next_worker(room: Flask, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    held = start_worker("-c", HELD_WORKER, str(gate))
    try:
        job_id = ask(room, "json")
        wait_for(room, job_id, JobState.RUNNING, held)
    finally:
        held.kill()  # mid-job, as a power cut or the OOM killer would
        held.wait(timeout=30)
    assert job(room, job_id).state == JobState.RUNNING.value

    gate.touch()
    worker = start_worker("-m", "survey", "worker")
    try:
        done = wait_for(room, job_id, JobState.READY, worker)
    finally:
        stop(worker)
    assert done.attempts == 2
    settings = room.extensions["survey.report_queue"].settings
    assert json.loads(report_jobs.file_of(done, settings).read_bytes())["responses"]["n"] == 8


def test_the_servers_worker_runs_with_it_and_stops_with_it(room: Flask) -> None:
    lines: list[str] = []
    with report_worker_process(room, lines.append) as child:
        assert child is not None
        done = wait_for(room, ask(room, "json"), JobState.READY, child)
        assert (done.size or 0) > 100
        assert psutil.Process(child.pid).nice() == psutil.Process().nice() + 7
    assert child.poll() is not None  # stopped with the server
    assert any(f"process {child.pid}" in line for line in lines)
    with report_worker_process(room, lines.append, start=False) as nothing:
        assert nothing is None
    assert os.environ["SURVEY_REPORT_QUEUE_URL"] == ""
