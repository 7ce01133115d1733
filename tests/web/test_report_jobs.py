"""The job page of a document asked for: its state in the reader's language,
the file once ready, to whom, and for how long. The jobs here are queued
without a worker (an ``enqueue`` that keeps the id) and then run by the test,
so each state can be seen as the person would see it between two refreshes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import JobState, Programme, ReportJob, Role, User
from survey.models.base import utcnow
from survey.services import report_jobs
from survey.services.demo import add_random_responses
from survey.services.report_queue import ReportQueue
from tests.web.test_evaluator_reports import login, user

queued_ids: list[str] = []  # what the queue was given, as a worker would read it


def settings(app: Flask) -> report_jobs.JobSettings:
    queue: ReportQueue = app.extensions["survey.report_queue"]
    return queue.settings


@pytest.fixture
def asker(client: FlaskClient, programme: Programme) -> User:
    """A granted evaluator, signed in on ``client``; the programme is closed with 6 responses, more
    than its minimum group size (closed: every one is in its documents, not only whole batches of k)."""
    add_random_responses(db.session(), programme, 6, seed=2)
    programme.status = "closed"
    db.session.commit()
    account = user(Role.EVALUATOR, programme)
    login(client, "evaluator@example.org")
    return account


def queued_job(asker: User, programme: Programme, fmt: str = "json", lang: str = "fr") -> ReportJob:
    """A job asked for and not yet taken by a worker."""
    queued_ids.clear()
    job = report_jobs.ask(db.session(), asker, [programme], fmt, lang, queued_ids.append)
    assert queued_ids == [job.id]
    return job


@pytest.mark.parametrize(
    ("lang", "waiting", "ready"),
    [("fr", "En attente de son tour", "Télécharger"), ("ar", "في انتظار دوره", "تنزيل"), ("en", "Waiting", "Download")],
)
def test_job_page_shows_each_state_in_the_readers_language(
    app: Flask, client: FlaskClient, asker: User, programme: Programme, lang: str, waiting: str, ready: str
) -> None:
    job = queued_job(asker, programme)
    page = client.get(f"/e/jobs/{job.id}?lang={lang}").get_data(as_text=True)
    assert waiting in page
    assert f'href="/e/jobs/{job.id}"' in page  # refresh without JavaScript
    assert "report-job.js" in page
    assert client.get(f"/e/jobs/{job.id}/state").get_json() == {"state": "queued", "finished": False}
    assert client.get(f"/e/jobs/{job.id}/file").status_code == 303  # not ready: back to the job page

    assert report_jobs.run(db.session(), job.id, settings(app)) is JobState.READY
    page = client.get(f"/e/jobs/{job.id}?lang={lang}").get_data(as_text=True)
    assert ready in page
    assert "report-job.js" not in page  # finished: nothing to wait for
    assert client.get(f"/e/jobs/{job.id}/state").get_json() == {"state": "ready", "finished": True}
    document = client.get(f"/e/jobs/{job.id}/file")
    assert document.status_code == 200
    assert document.get_json()["responses"]["n"] == 6


def test_the_same_document_asked_twice_while_waiting_is_one_job(asker: User, programme: Programme) -> None:
    first = queued_job(asker, programme)
    again = report_jobs.ask(db.session(), asker, [programme], "json", "fr", queued_ids.append)
    other = report_jobs.ask(db.session(), asker, [programme], "json", "ar", queued_ids.append)

    assert again.id == first.id
    assert other.id != first.id
    assert queued_ids == [first.id, other.id]


def test_only_the_asker_and_staff_of_the_programme_see_the_job(app: Flask, asker: User, programme: Programme) -> None:
    job = queued_job(asker, programme)
    report_jobs.run(db.session(), job.id, settings(app))
    user(Role.EVALUATOR, programme, email="colleague@example.org")
    user(Role.EVALUATOR, None, email="stranger@example.org")
    user(Role.ADMIN)

    for email, status in (("colleague@example.org", 200), ("admin@example.org", 200), ("stranger@example.org", 404)):
        other = app.test_client()
        login(other, email)
        assert other.get(f"/e/jobs/{job.id}").status_code == status, email
        assert other.get(f"/e/jobs/{job.id}/file").status_code == status, email
    anonymous = app.test_client().get(f"/e/jobs/{job.id}/file")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]


def test_a_job_whose_worker_stopped_is_retried_once_then_reported(
    app: Flask, client: FlaskClient, asker: User, programme: Programme
) -> None:
    job = queued_job(asker, programme)
    config = settings(app)
    long_ago = utcnow() - config.stale_after - timedelta(seconds=1)
    requeued: list[str] = []
    for attempt in (1, 2):
        job.state, job.attempts, job.heartbeat_at = JobState.RUNNING.value, attempt, long_ago  # a worker died
        db.session.commit()
        page = client.get(f"/e/jobs/{job.id}?lang=ar").get_data(as_text=True)
        assert "توقفت عملية إعداد التقارير" in page  # the reader is told at once, before any sweep
        swept = report_jobs.sweep(db.session(), config, requeued.append)
        db.session.refresh(job)
        if attempt == 1:
            assert swept.requeued == [job.id]
            assert job.state == JobState.QUEUED.value
        else:
            assert swept.failed == [job.id]
            assert job.state == JobState.FAILED.value
    assert requeued == [job.id]
    page = client.get(f"/e/jobs/{job.id}?lang=fr").get_data(as_text=True)
    assert "Redemandez-le" in page
    assert 'action="/e/niamey/reports/json"' in page  # ask again


def test_files_expire_and_are_deleted(app: Flask, client: FlaskClient, asker: User, programme: Programme) -> None:
    job = queued_job(asker, programme, "csv")
    config = settings(app)
    report_jobs.run(db.session(), job.id, config)
    path = report_jobs.file_of(job, config)
    assert path.is_file()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert job.expires_at is not None
    assert job.expires_at - utcnow() <= config.keep

    job.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/e/jobs/{job.id}/file").status_code == 303  # past its time: not served
    assert "deleted when its time was up" in client.get(f"/e/jobs/{job.id}?lang=en").get_data(as_text=True)
    swept = report_jobs.sweep(db.session(), config, queued_ids.append)

    assert swept.expired == [job.id]
    assert not path.exists()
    assert db.session.get(ReportJob, job.id).state == JobState.EXPIRED.value  # type: ignore[union-attr]


def test_a_job_the_queue_cannot_take_is_reported_failed(client: FlaskClient, asker: User, programme: Programme) -> None:
    def queue_down(job_id: str) -> None:
        raise ConnectionError("no route to the queue")

    job = report_jobs.ask(db.session(), asker, [programme], "json", "en", queue_down)
    page = client.get(f"/e/jobs/{job.id}?lang=en").get_data(as_text=True)

    assert job.state == JobState.FAILED.value
    assert "could not be reached" in page


def test_finished_jobs_are_deleted_after_their_retention_and_waiting_ones_never(
    app: Flask, client: FlaskClient, asker: User, programme: Programme
) -> None:
    config = settings(app)
    long_ago = utcnow() - config.retention - timedelta(hours=1)
    lately = utcnow() - config.retention + timedelta(hours=1)

    old_ready = queued_job(asker, programme, "csv")
    report_jobs.run(db.session(), old_ready.id, config)
    old_file = report_jobs.file_of(old_ready, config)
    assert old_file.is_file()
    old_failed = queued_job(asker, programme, "json", "ar")
    recent_failed = queued_job(asker, programme, "json", "en")
    waiting = queued_job(asker, programme, "xlsx")
    running = queued_job(asker, programme, "html")
    # Ready long ago: its file expires and the job goes in the same sweep, file and page.
    old_ready.finished_at, old_ready.expires_at = long_ago, long_ago + config.keep
    # Failed long ago, and failed within the retention.
    old_failed.state, old_failed.reason, old_failed.finished_at = JobState.FAILED.value, "error", long_ago
    recent_failed.state, recent_failed.reason, recent_failed.finished_at = JobState.FAILED.value, "error", lately
    # Asked for long ago, still waiting or being made (its worker alive): never deleted.
    running.state, running.attempts, running.heartbeat_at = JobState.RUNNING.value, 1, utcnow()
    for job in (waiting, running):
        job.created_at = long_ago - timedelta(days=365)
    db.session.commit()
    ids = {
        "old_ready": old_ready.id,
        "old_failed": old_failed.id,
        "recent_failed": recent_failed.id,
        "waiting": waiting.id,
        "running": running.id,
    }

    swept = report_jobs.sweep(db.session(), config, queued_ids.append)

    assert sorted(swept.removed) == sorted([ids["old_ready"], ids["old_failed"]])
    assert not old_file.exists()
    db.session.expire_all()
    left = {job.id: job.state for job in db.session.scalars(select(ReportJob))}
    assert left == {
        ids["recent_failed"]: JobState.FAILED.value,
        ids["waiting"]: JobState.QUEUED.value,
        ids["running"]: JobState.RUNNING.value,
    }
    assert client.get(f"/e/jobs/{ids['old_failed']}").status_code == 404
    assert client.get(f"/e/jobs/{ids['old_ready']}/file").status_code == 404
    assert client.get(f"/e/jobs/{ids['recent_failed']}").status_code == 200


def test_a_running_job_is_never_deleted_even_when_its_worker_stopped_long_ago(
    app: Flask, asker: User, programme: Programme
) -> None:
    """A silent job is first put back or reported failed (now); the retention counts from then."""
    config = settings(app)
    long_ago = utcnow() - config.retention - timedelta(days=30)
    job = queued_job(asker, programme)
    job.state, job.attempts, job.created_at, job.heartbeat_at = JobState.RUNNING.value, 2, long_ago, long_ago
    db.session.commit()

    swept = report_jobs.sweep(db.session(), config, queued_ids.append)

    assert swept.failed == [job.id]
    assert swept.removed == []
    db.session.expire_all()
    assert db.session.get(ReportJob, job.id).state == JobState.FAILED.value  # type: ignore[union-attr]


def test_the_retention_is_a_setting(app: Flask) -> None:
    assert app.config["REPORT_JOB_RETENTION_DAYS"] == 7.0
    assert settings(app).retention == timedelta(days=7)
