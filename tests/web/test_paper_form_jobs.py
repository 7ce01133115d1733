"""The classroom kit's paper form as a PDF (issue 15, point 5): the organiser's
request only asks, the report worker prints, the job page follows it in the
reader's language and offers the file to staff of the programme.

Most tests keep what the queue is given (as a worker would read it) and run the
job themselves, so that each state is seen as the organiser would see it, with
Chromium replaced by a printer that records the pages it is given; the last
ones print for real, in the request as the tests' ``immediate`` queue does.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reports.documents.chromium import PdfUnavailable
from survey.extensions import db
from survey.models import JobState, Programme, ReportJob, Role
from survey.models.base import utcnow
from survey.services import paper_jobs, report_jobs
from survey.services.programmes import create_programme
from survey.services.report_queue import ReportQueue
from tests.helpers import read_page
from tests.web.test_classroom_kit import needs_chromium, pdf_pages
from tests.web.test_evaluator_reports import login, user

FRENCH = {"language": "fr", "first": "1", "copies": "3"}


@pytest.fixture
def manager(client: FlaskClient, programme: Programme) -> FlaskClient:
    """A client signed in as an organiser granted the programme, pages in English."""
    user(Role.ORGANISER, programme, email="org@example.org")
    login(client, "org@example.org")
    client.get("/o/?lang=en")  # remembers English for the pages that follow
    return client


def queue_of(app: Flask) -> ReportQueue:
    queue: ReportQueue = app.extensions["survey.report_queue"]
    return queue


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The pages Chromium was given; each print is ``%PDF-1.7 print N``."""
    pages: list[str] = []

    def printer(html: str, **_: Any) -> bytes:
        pages.append(html)
        return f"%PDF-1.7 print {len(pages)}".encode()

    monkeypatch.setattr(paper_jobs, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(report_jobs, "html_to_pdf", printer)
    return pages


@pytest.fixture
def queued(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The job ids the queue was given: nothing runs until the test runs the worker."""
    ids: list[str] = []
    monkeypatch.setattr(queue_of(app), "enqueue", ids.append)
    return ids


def ask(client: FlaskClient, data: dict[str, str] = FRENCH) -> str:
    """Press a PDF button of the kit: the job page's path."""
    token = read_page(client.get("/o/niamey/kit")).hidden["csrf_token"]
    response = client.post("/o/niamey/paper.pdf", data={"csrf_token": token, **data})
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert re.fullmatch(r"/e/jobs/[0-9a-f]{32}", location), location
    return location


def work(app: Flask, queued: list[str]) -> None:
    """The worker takes every queued job."""
    while queued:
        assert report_jobs.run(db.session(), queued.pop(0), queue_of(app).settings) is JobState.READY


def test_the_organiser_asks_the_worker_prints_and_the_file_is_downloaded(
    app: Flask, manager: FlaskClient, programme: Programme, printed: list[str], queued: list[str]
) -> None:
    job = ask(manager)
    assert printed == []  # the organiser's request printed nothing
    assert len(queued) == 1

    waiting = manager.get(job).get_data(as_text=True)
    assert "Paper forms (PDF)" in waiting
    assert "Waiting for its turn" in waiting
    assert manager.get(f"{job}/state").get_json() == {"state": "queued", "finished": False}
    assert manager.get(f"{job}/file").status_code == 303  # not ready: back to the job page

    work(app, queued)
    assert len(printed) == 1
    assert re.findall(r'data-form-number="(\d+)"', printed[0]) == ["1", "2", "3"]
    ready = manager.get(job).get_data(as_text=True)
    assert "Ready" in ready
    assert "niamey-paper-fr-1-3.pdf" in ready
    assert "/o/niamey/kit" in ready  # back to the kit, not to the reports
    document = manager.get(f"{job}/file")
    assert document.status_code == 200
    assert document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"] == "attachment; filename=niamey-paper-fr-1-3.pdf"
    assert document.data == b"%PDF-1.7 print 1"


@pytest.mark.parametrize(
    ("lang", "title", "waiting", "ready"),
    [
        ("fr", "Formulaires papier (PDF)", "En attente de son tour", "Télécharger"),
        ("ar", "الاستمارات الورقية (PDF)", "في انتظار دوره", "تنزيل"),
    ],
)
def test_the_job_page_speaks_the_organisers_language(
    app: Flask,
    manager: FlaskClient,
    programme: Programme,
    printed: list[str],
    queued: list[str],
    lang: str,
    title: str,
    waiting: str,
    ready: str,
) -> None:
    job = ask(manager)
    page = manager.get(f"{job}?lang={lang}").get_data(as_text=True)
    assert title in page
    assert waiting in page
    work(app, queued)
    assert ready in manager.get(job).get_data(as_text=True)


def test_the_same_page_asked_again_is_served_the_same_print(
    app: Flask, manager: FlaskClient, programme: Programme, printed: list[str], queued: list[str]
) -> None:
    first = ask(manager)
    assert ask(manager) == first  # still waiting: the same job, queued once
    assert len(queued) == 1
    work(app, queued)
    assert ask(manager) == first  # ready: its file, not a second print
    assert queued == []
    assert len(printed) == 1

    # Another language, other form numbers, or a change the page shows: another print.
    arabic = ask(manager, {**FRENCH, "language": "ar"})
    others = ask(manager, {**FRENCH, "first": "4"})
    programme.title = "Atelier régional, Niamey"
    db.session.commit()
    renamed = ask(manager)
    assert len({first, arabic, others, renamed}) == 4
    work(app, queued)
    assert len(printed) == 4
    assert "Atelier régional, Niamey" in printed[-1]
    assert manager.get(f"{renamed}/file").data != manager.get(f"{first}/file").data

    # Once its file's time is up, the page is printed again.
    session = db.session()
    job = session.get(ReportJob, renamed.rsplit("/", 1)[-1])
    assert job is not None
    job.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    again = ask(manager)
    assert again != renamed
    work(app, queued)
    assert len(printed) == 5


def test_only_staff_of_the_programme_see_the_job_and_its_file(
    app: Flask, manager: FlaskClient, programme: Programme, printed: list[str], queued: list[str]
) -> None:
    job = ask(manager)
    work(app, queued)

    # An organiser of another programme: no kit, no job page, no file (whether it exists is not said).
    session = db.session()
    dakar = create_programme(session, slug="dakar", title="Dakar", questionnaire=programme.questionnaire)
    session.commit()
    user(Role.ORGANISER, dakar, email="dakar@example.org")
    other = app.test_client()
    login(other, "dakar@example.org")
    token = read_page(other.get("/o/dakar/kit")).hidden["csrf_token"]
    assert other.post("/o/niamey/paper.pdf", data={"csrf_token": token, **FRENCH}).status_code == 404
    assert other.get("/o/niamey/kit").status_code == 404
    assert other.get(job).status_code == 404
    assert other.get(f"{job}/state").status_code == 404
    assert other.get(f"{job}/file").status_code == 404

    # An evaluator of this programme may follow and download it, but not ask for one.
    user(Role.EVALUATOR, programme, email="eval@example.org")
    evaluator = app.test_client()
    login(evaluator, "eval@example.org")
    assert evaluator.get(f"{job}/file").data == b"%PDF-1.7 print 1"
    token = read_page(evaluator.get("/e/niamey/reports")).hidden["csrf_token"]
    assert evaluator.post("/o/niamey/paper.pdf", data={"csrf_token": token, **FRENCH}).status_code == 403
    assert len(printed) == 1


def test_a_print_that_fails_says_so_and_leads_back_to_the_kit(
    app: Flask, manager: FlaskClient, programme: Programme, queued: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_chromium_on_the_worker(html: str, **_: Any) -> bytes:
        raise PdfUnavailable("not on this host")

    monkeypatch.setattr(paper_jobs, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(report_jobs, "html_to_pdf", no_chromium_on_the_worker)
    job = ask(manager)
    assert report_jobs.run(db.session(), queued.pop(), queue_of(app).settings) is JobState.FAILED
    page = manager.get(job).get_data(as_text=True)
    assert "Failed" in page
    assert "preview in the classroom kit and print it from your browser" in page
    assert "Ask again from the classroom kit" in page
    assert manager.get(f"{job}/file").status_code == 303
    # The page the job was to print is not kept once it ended.
    assert list(queue_of(app).settings.files.glob("*.page.html")) == []


def test_wrong_choices_show_the_kit_again_and_nothing_is_asked(
    manager: FlaskClient, programme: Programme, printed: list[str], queued: list[str]
) -> None:
    token = read_page(manager.get("/o/niamey/kit")).hidden["csrf_token"]
    bad = manager.post(
        "/o/niamey/paper.pdf", data={"csrf_token": token, "language": "ar", "first": "0", "copies": "500"}
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "A number from 1 to 99999." in html
    assert "From 1 to 200 copies at a time." in html
    german = {"csrf_token": token, **FRENCH, "language": "de"}
    assert manager.post("/o/niamey/paper.pdf", data=german).status_code == 422
    assert manager.post("/o/niamey/paper.pdf", data=FRENCH).status_code == 400  # no CSRF token
    assert queued == []
    assert db.session.scalar(select(func.count()).select_from(ReportJob)) == 0
    # An old link to the PDF goes to the kit.
    old = manager.get("/o/niamey/paper.pdf?language=fr&first=1&copies=3")
    assert old.status_code == 303
    assert old.headers["Location"].endswith("/o/niamey/kit#paper")


def test_without_chromium_the_page_is_answered_to_print_from_the_browser(
    manager: FlaskClient, programme: Programme, queued: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paper_jobs, "find_chromium", lambda: None)
    token = read_page(manager.get("/o/niamey/kit")).hidden["csrf_token"]
    response = manager.post(
        "/o/niamey/paper.pdf", data={"csrf_token": token, "language": "en", "first": "201", "copies": "3"}
    )
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'class="screen-note"' in html
    assert "PDF printing is not available on this server" in html
    assert re.findall(r'data-form-number="(\d+)"', html) == ["201", "202", "203"]
    assert queued == []


def test_trainees_are_served_while_a_paper_form_waits_for_the_worker(
    app: Flask, manager: FlaskClient, programme: Programme, printed: list[str], queued: list[str]
) -> None:
    ask(manager)
    trainee = app.test_client()
    form = trainee.get("/s/niamey")
    assert form.status_code == 200
    assert "Chromium" not in form.get_data(as_text=True)
    assert printed == []  # neither the organiser's request nor the trainee's printed anything
    assert len(queued) == 1


@needs_chromium
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_paper_form_prints_to_pdf_with_the_number_on_every_page(
    manager: FlaskClient, programme: Programme, lang: str, tmp_path: Path
) -> None:
    """Chromium for real; the tests' queue runs the job as it is asked."""
    job = ask(manager, {"language": lang, "first": "7", "copies": "2"})
    response = manager.get(f"{job}/file")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=niamey-paper-{lang}-7-8.pdf"
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    pages = pdf_pages(pdf)
    assert pages >= 2
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        (tmp_path / "paper.pdf").write_bytes(pdf)
        text = subprocess.run(
            [pdftotext, "-layout", str(tmp_path / "paper.pdf"), "-"], capture_output=True, check=True, text=True
        ).stdout
        printed = text.split("\f")[:pages]
        footer = re.compile(rf"niamey-(\d+) · end_of_programme v1 · {lang}")
        numbers = [int(match.group(1)) if (match := footer.search(page)) else None for page in printed]
        # Every page names its copy; copy 7 comes first, then copy 8 on pages of its own, as many.
        assert None not in numbers
        assert numbers == sorted(numbers, key=lambda n: n or 0)
        assert numbers.count(7) == numbers.count(8) == pages // 2
        assert "[cq_relevance]" in text
