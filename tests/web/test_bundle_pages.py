"""A programme moved between services from the organiser's pages: the file of
a programme downloaded (confirmed and recorded under its minimum group size),
and brought in on another service, where the importer may then manage it."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.extensions import db
from survey.models import AuditEvent, Programme, Response
from survey.services.bundles import export_programme
from survey.services.demo import DEMO_SLUG
from survey.services.programmes import find_programme
from tests.helpers import FormClient, full_answers, read_page
from tests.test_bundles import close, laptop  # noqa: F401  (laptop: the fixture)
from tests.web.test_classroom_kit import manager  # noqa: F401  (the fixture)


def download(client: FlaskClient, slug: str = "niamey", **fields: str) -> object:
    token = read_page(client.get(f"/o/{slug}/bundle")).hidden["csrf_token"]
    return client.post(f"/o/{slug}/bundle", data={"csrf_token": token, **fields})


def audit_actions(programme: Programme) -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.programme == programme.slug)
    )
    return [(action, detail) for action, detail in rows]


def test_an_organiser_downloads_the_programme_file(manager: FlaskClient, programme: Programme) -> None:  # noqa: F811
    page = manager.get("/o/niamey/bundle")
    assert page.status_code == 200
    assert "Download the programme's file" in page.get_data(as_text=True)
    sent = download(manager)
    assert sent.status_code == 200  # type: ignore[attr-defined]
    assert sent.headers["Content-Disposition"] == "attachment; filename=niamey.bundle.gz"  # type: ignore[attr-defined]
    assert sent.headers["Cache-Control"] == "private, no-store"  # type: ignore[attr-defined]
    lines = gzip.decompress(sent.data).splitlines()  # type: ignore[attr-defined]
    assert json.loads(lines[0])["bundle"] == "survey-programme-bundle"
    assert json.loads(lines[1])["programme"]["slug"] == "niamey"
    assert ("export", "bundle") in audit_actions(programme)


def test_a_small_programme_is_downloaded_only_once_confirmed_and_recorded(
    manager: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    trainee = manager.application.test_client()  # two trainees answer, on their own phone
    for _ in range(2):
        forms = FormClient(trainee)
        page = forms.open("niamey")
        for number, answers in enumerate(full_answers(programme)):
            page = forms.post("niamey", page, answers, action="send" if number == 2 else "next")
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2
    refused = download(manager)
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "Please tick the box to confirm." in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert ("export", "bundle") not in audit_actions(programme)
    sent = download(manager, understood="y")
    assert sent.status_code == 200  # type: ignore[attr-defined]
    assert len([line for line in gzip.decompress(sent.data).splitlines() if b'"response"' in line]) == 2  # type: ignore[attr-defined]
    actions = [action for action, _detail in audit_actions(programme)]
    assert "small_group_download" in actions
    assert "export" in actions


def test_a_programme_not_granted_is_not_found(manager: FlaskClient, programme: Programme) -> None:  # noqa: F811
    other = Programme(slug="ailleurs", title="Ailleurs", questionnaire_id=programme.questionnaire_id, languages=["fr"])
    db.session.add(other)
    db.session.commit()
    assert manager.get("/o/ailleurs/bundle").status_code == 404
    assert manager.post("/o/ailleurs/bundle", data={}).status_code in {400, 404}  # no token, or not found


def upload(client: FlaskClient, content: bytes) -> object:
    token = read_page(client.get("/o/import")).hidden["csrf_token"]
    data = {"csrf_token": token, "bundle": (io.BytesIO(content), "niamey.bundle.gz")}
    return client.post("/o/import", data=data, content_type="multipart/form-data")


def test_a_laptops_programme_is_brought_in_and_is_then_the_importers(
    manager: FlaskClient,  # noqa: F811
    laptop: Flask,  # noqa: F811
    tmp_path: Path,
) -> None:
    close(laptop)
    spool = io.BytesIO()
    with Session(laptop.extensions["survey.db"]) as session, gzip.GzipFile(fileobj=spool, mode="wb") as out:
        export_programme(session, find_programme(session, DEMO_SLUG), out, "cli")
    page = upload(manager, spool.getvalue())
    assert page.status_code == 200  # type: ignore[attr-defined]
    assert "12 responses stored." in page.get_data(as_text=True)  # type: ignore[attr-defined]
    assert manager.get(f"/o/{DEMO_SLUG}").status_code == 200  # granted to the importer
    again = upload(manager, spool.getvalue())
    assert "0 responses stored. 12 were here already." in again.get_data(as_text=True)  # type: ignore[attr-defined]


def test_a_damaged_file_is_refused_in_the_readers_language(manager: FlaskClient, programme: Programme) -> None:  # noqa: F811
    before = db.session.scalar(select(func.count()).select_from(Programme))
    manager.get("/o/?lang=fr")
    page = upload(manager, b'{"bundle": "survey-programme-bundle", "schema": 1}\n{"programme": ')
    assert page.status_code == 422  # type: ignore[attr-defined]
    html = page.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Rien n’a été importé." in html or "Rien n'a été importé." in html
    assert db.session.scalar(select(func.count()).select_from(Programme)) == before
