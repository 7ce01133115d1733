"""Small-group disclosure control as staff meet it, on both databases: the downloads of a
programme of 1, 4, 5 and 29 responses, the logged confirmation before a small programme's raw
data, the live dashboard and its JSON, and the library seen by a user granted one programme of two."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from survey.extensions import db
from survey.models import AuditEvent, Programme, ProgrammeStatus, Response, Role
from survey.services.demo import add_random_responses
from survey.services.programmes import create_programme
from tests.helpers import read_page
from tests.web.test_evaluator_reports import download, login, user
from tests.web.test_programme_management import settings_form

RAW = ("xlsx", "csv", "spss", "r")
NOTICE_EN = "Fewer than 5 responses"


def with_responses(programme: Programme, n: int, languages: dict[str, int] | None = None) -> None:
    add_random_responses(db.session(), programme, n, seed=11)
    ids = list(db.session.scalars(select(Response.id).where(Response.programme_id == programme.id)))
    spoken = [lang for lang, count in (languages or {"fr": n}).items() for _ in range(count)]
    for response_id, lang in zip(ids, spoken, strict=True):
        db.session.execute(update(Response).where(Response.id == response_id).values(language=lang))
    db.session.commit()


def closed(programme: Programme) -> None:
    """Closed, as reports are made at the end: every response is in its figures
    (while open, only whole batches of k are: tests/web/test_batched_figures.py)."""
    programme.status = ProgrammeStatus.CLOSED.value
    db.session.commit()


def as_evaluator(client: FlaskClient, programme: Programme) -> FlaskClient:
    user(Role.EVALUATOR, programme)
    login(client, "evaluator@example.org")
    return client


def json_document(client: FlaskClient) -> dict[str, Any]:
    response = download(client, "json")
    assert response.status_code == 200
    document: dict[str, Any] = json.loads(response.data)
    return document


@pytest.mark.parametrize("n", [1, 4, 5, 29])
def test_each_format_shows_what_the_minimum_group_size_allows(
    client: FlaskClient, programme: Programme, n: int
) -> None:
    with_responses(programme, n)
    closed(programme)
    as_evaluator(client, programme)
    small = n < 5

    document = json_document(client)
    assert document["responses"]["n"] == n
    assert document["methods"]["minimum_cell"] == 5
    assert (document["questions"] == []) is small
    assert (document["comments"] == []) is small or not document["comments"]
    assert ("answers" in document["responses"]["withheld"]) is small

    html = download(client, "html").get_data(as_text=True)
    assert (NOTICE_EN in html) is small
    assert ('id="questions"' in html) is not small
    assert "Minimum group size: 5" in html

    for fmt in RAW:
        response = download(client, fmt)
        if small:  # to the confirmation, never the file
            assert response.status_code == 302, fmt
            assert f"/e/niamey/reports/{fmt}/confirm" in response.location
        else:
            assert response.status_code == 200, fmt
            assert response.headers["Content-Disposition"].startswith("attachment")
    if not small:
        book = openpyxl.load_workbook(io.BytesIO(download(client, "xlsx").data))
        assert book["Responses"].max_row == n + 1  # the raw answers are all there
        readme = zipfile.ZipFile(io.BytesIO(download(client, "csv").data)).read("README.txt")
        assert "Minimum group size: 5" in readme.decode("utf-8-sig")
        assert "Minimum group size: 5" in download(client, "spss").get_data(as_text=True)
        assert "Minimum group size: 5" in download(client, "r").get_data(as_text=True)


def test_the_reports_page_sends_raw_data_of_a_small_programme_to_the_confirmation(
    client: FlaskClient, programme: Programme
) -> None:
    with_responses(programme, 4)
    as_evaluator(client, programme)
    html = client.get("/e/niamey/reports?lang=en").get_data(as_text=True)

    assert 'href="/e/niamey/reports/csv/confirm?lang=fr"' in html
    assert 'href="/e/niamey/reports/csv?lang=fr"' not in html
    assert 'action="/e/niamey/reports/html"' in html  # a summary needs no confirmation
    assert "fewer than 5 responses" in html


def small_group_downloads() -> list[AuditEvent]:
    """The audit log's entries of confirmed downloads under the minimum group size."""
    query = select(AuditEvent).where(AuditEvent.action == "small_group_download")
    return list(db.session.scalars(query))


def test_raw_data_of_a_small_programme_needs_a_confirmation_that_is_logged(
    client: FlaskClient, programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    with_responses(programme, 4)
    evaluator = user(Role.EVALUATOR, programme)
    login(client, "evaluator@example.org")
    caplog.set_level(logging.INFO, logger="survey.audit")
    url = "/e/niamey/reports/xlsx/confirm?lang=fr"

    page = read_page(client.get(url))
    assert page.response.status_code == 200
    assert "Retour aux rapports" in page.html  # in the user's language
    assert "Confirmer et télécharger" in page.html
    assert "csrf_token" in page.hidden

    unticked = client.post(url, data=page.hidden)
    assert unticked.status_code == 422
    assert "Veuillez cocher la case pour confirmer." in unticked.get_data(as_text=True)
    forged = client.post(url, data={"understood": "y"})  # no CSRF token
    assert forged.status_code in (400, 422)
    assert small_group_downloads() == []

    confirmed = client.post(url, data={**page.hidden, "understood": "y"})
    assert confirmed.status_code == 200
    assert confirmed.headers["Content-Disposition"].startswith("attachment")
    book = openpyxl.load_workbook(io.BytesIO(confirmed.data))
    assert book["Réponses"].max_row == 5  # the header and the 4 responses
    (entry,) = small_group_downloads()
    assert (entry.programme, entry.user_id) == ("niamey", evaluator.id)
    assert entry.detail.startswith("xlsx fr")


def test_a_summary_format_needs_no_confirmation(client: FlaskClient, programme: Programme) -> None:
    with_responses(programme, 4)
    as_evaluator(client, programme)
    response = client.get("/e/niamey/reports/html/confirm?lang=en")
    assert response.status_code == 302
    assert response.location.endswith("/e/niamey/reports")
    assert client.get("/e/niamey/reports/nothing/confirm?lang=en").status_code == 404


def test_a_small_language_group_is_not_named_in_the_downloads_or_on_the_dashboard(
    client: FlaskClient, programme: Programme
) -> None:
    with_responses(programme, 29, {"fr": 20, "ar": 6, "en": 3})
    closed(programme)
    as_evaluator(client, programme)

    document = json_document(client)
    (languages,) = document["breakdowns"]
    assert languages["counts"] == {"fr": 20, "ar": None, "en": None}
    labels = {g["language"] for c in document["comments"] for g in c["groups"]}
    assert labels <= {"fr", None}
    html = download(client, "html").get_data(as_text=True).split('id="comments"')[1]
    assert "English ·" not in html
    assert "Arabic ·" not in html

    live = client.get("/o/niamey/live.json?lang=en").get_json()
    assert {c["language"] for c in live["comments"]} <= {"fr", ""}


@pytest.mark.parametrize("n", [4, 5])
def test_the_dashboard_shows_answers_only_from_the_minimum(client: FlaskClient, programme: Programme, n: int) -> None:
    with_responses(programme, n)
    as_evaluator(client, programme)

    payload = client.get("/o/niamey/live.json?lang=en").get_json()
    codes = [f["code"] for f in payload["figures"]]
    page = client.get("/o/niamey?lang=en").get_data(as_text=True)
    projector = client.get("/o/niamey?view=projector&lang=en").get_data(as_text=True)

    assert payload["kpis"]["responses"] == n
    assert payload["kpis"]["small_group"] is (n < 5)
    if n < 5:
        assert codes == ["arrivals"]
        assert payload["comments"] == []
        assert NOTICE_EN in page
        assert NOTICE_EN in projector
        assert 'data-small-group="true"' in page
    else:
        assert {"recommend", "dimensions"} <= set(codes)
        assert NOTICE_EN not in page


def test_the_organiser_sets_the_minimum_group_size_in_the_programme_settings(
    client: FlaskClient, programme: Programme
) -> None:
    with_responses(programme, 4)
    user(Role.ADMIN, email="admin@example.org")
    login(client, "admin@example.org")
    form = settings_form(client, "niamey")
    assert form["minimum_group_size"] == "5"
    form["csrf_token"] = read_page(client.get("/o/niamey/settings?lang=en")).hidden["csrf_token"]

    refused = client.post("/o/niamey/settings?lang=en", data={**form, "minimum_group_size": "2"})
    assert refused.status_code == 422
    assert "Please enter a whole number from 3 to 50." in refused.get_data(as_text=True)

    saved = client.post("/o/niamey/settings?lang=en", data={**form, "minimum_group_size": "3"})
    assert saved.status_code in (302, 303)
    assert db.session.get(Programme, programme.id).minimum_group_size == 3  # type: ignore[union-attr]
    assert client.get("/o/niamey/live.json?lang=en").get_json()["kpis"]["small_group"] is False


def test_the_library_counts_only_the_programmes_the_viewer_is_granted(
    client: FlaskClient, programme: Programme
) -> None:
    other = create_programme(
        db.session(), slug="dakar", title="Dakar 2026", questionnaire=programme.questionnaire, languages=("fr",)
    )
    other.status = "open"
    db.session.commit()
    add_random_responses(db.session(), other, 7, seed=3)
    with_responses(programme, 2)
    user(Role.ORGANISER, programme, email="org@example.org")
    login(client, "org@example.org")

    html = client.get("/o/questionnaires?lang=en").get_data(as_text=True)
    row = html.split(f'data-questionnaire="{programme.questionnaire.code}-v{programme.questionnaire.version}"')[1]
    row = row.split("</tr>")[0]
    assert '<td class="num" data-count="programmes">1</td>' in row
    assert '<td class="num" data-count="responses">2</td>' in row  # not 9: Dakar is not granted
