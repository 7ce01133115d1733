"""The reports page and downloads: who may download, in which language, what
the files hold (excluded responses never count, hostile comments stay text)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from reports.documents import FORMATS
from reports.documents.chromium import find_chromium
from survey.extensions import db
from survey.models import Programme, ProgrammeStatus, Response, Role, User
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.programmes import create_programme
from survey.services.users import create_user
from tests.helpers import FormClient, ask_document, full_answers, read_page, submit_all

HOSTILE = '=HYPERLINK("http://x") <script>alert(1)</script>'
PASSWORD = "correct horse"


def login(client: FlaskClient, email: str) -> None:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": PASSWORD})
    assert response.status_code == 302


def user(role: Role, programme: Programme | None = None, email: str | None = None) -> User:
    account = create_user(db.session(), email or f"{role.value}@example.org", PASSWORD, role, role.value)
    if programme is not None:
        access.grant(db.session(), account, programme)
    db.session.commit()
    return account


@pytest.fixture
def evaluator(client: FlaskClient, programme: Programme) -> FlaskClient:
    """A granted evaluator, signed in; the programme has 6 responses."""
    add_random_responses(db.session(), programme, 6, seed=4)
    user(Role.EVALUATOR, programme)
    login(client, "evaluator@example.org")
    return client


def download(client: FlaskClient, fmt: str, lang: str | None = "en", slug: str = "niamey") -> TestResponse:
    """Ask for the document and take the file from its job page."""
    return ask_document(client, f"/e/{slug}/reports/{fmt}", **({"lang": lang} if lang else {}))


def compare(client: FlaskClient, others: list[str], fmt: str, lang: str | None = None) -> TestResponse:
    return ask_document(client, "/e/niamey/compare", format=fmt, **{"with": others}, **({"lang": lang} if lang else {}))


def summary(response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    document: dict[str, Any] = json.loads(response.data)
    return document


def test_reports_page_offers_every_format_in_every_report_language(evaluator: FlaskClient) -> None:
    page = evaluator.get("/e/niamey/reports?lang=en")
    html = page.get_data(as_text=True)

    assert page.status_code == 200
    for fmt in FORMATS:
        if fmt == "pdf" and find_chromium() is None:
            continue
        form = html.split(f'action="/e/niamey/reports/{fmt}"')[1].split("</form>")[0]
        for lang in ("fr", "ar", "en"):
            assert f'name="lang" value="{lang}"' in form, (fmt, lang)
    assert 'lang="ar"' in html
    assert "العربية" in html
    assert 'aria-current="page"' in html
    assert 'href="/e/niamey/reports"' in html


def test_reports_tab_shows_on_the_programme_pages(evaluator: FlaskClient) -> None:
    html = evaluator.get("/o/niamey/responses?lang=en").get_data(as_text=True)

    assert 'href="/e/niamey/reports"' in html


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ORGANISER, Role.EVALUATOR])
def test_every_granted_role_downloads_with_a_good_filename(
    client: FlaskClient, programme: Programme, role: Role
) -> None:
    add_random_responses(db.session(), programme, 5, seed=1)
    programme.status = ProgrammeStatus.CLOSED.value  # its 5 responses all in (open: the latest batch is held back)
    db.session.commit()
    user(role, None if role == Role.ADMIN else programme)
    login(client, f"{role.value}@example.org")
    response = download(client, "json", "fr")

    assert summary(response)["responses"]["n"] == 5
    today = datetime.now(UTC).date().isoformat()
    assert response.headers["Content-Disposition"] == f"attachment; filename=niamey_report_fr_{today}.json"
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_others_cannot_see_or_download(client: FlaskClient, programme: Programme) -> None:
    anonymous = client.get("/e/niamey/reports")
    assert anonymous.status_code == 302
    assert "/login" in anonymous.headers["Location"]
    user(Role.EVALUATOR)  # no grant
    login(client, "evaluator@example.org")
    assert client.get("/e/niamey/reports").status_code == 404
    assert download(client, "html", "fr").status_code == 404
    assert ask_document(client, "/e/niamey/compare", format="json", **{"with": ["x"]}).status_code == 404


def test_report_language_is_chosen_apart_from_the_interface(evaluator: FlaskClient) -> None:
    evaluator.get("/e/niamey/reports?lang=en")  # the interface in English
    arabic = download(evaluator, "html", "ar")
    html = arabic.get_data(as_text=True)

    assert '<html lang="ar" dir="rtl">' in html
    assert "تقرير التقييم" in html
    assert summary(download(evaluator, "json", "fr"))["dimensions"][0]["label"] == "Qualité du contenu"
    default = download(evaluator, "json", None)  # the programme's first language
    assert summary(default)["language"] == "fr"


def test_unknown_format_or_language_is_refused(evaluator: FlaskClient) -> None:
    assert download(evaluator, "docx").status_code == 404
    assert download(evaluator, "json", "de").status_code == 400


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_each_format_downloads_as_its_media_type(evaluator: FlaskClient, fmt: str) -> None:
    response = download(evaluator, fmt)

    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == FORMATS[fmt].media_type.split(";")[0]
    assert response.headers["Content-Disposition"].endswith(f".{FORMATS[fmt].extension}")
    assert len(response.data) > 100


def test_pdf_without_chromium_is_a_clear_503(evaluator: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_CHROMIUM", "/nonexistent/chromium")
    response = download(evaluator, "pdf")
    page = evaluator.get("/e/niamey/reports?lang=en").get_data(as_text=True)

    assert response.status_code == 503
    assert "Chromium" in response.get_data(as_text=True)
    assert "/e/niamey/reports/pdf" not in page
    assert "Chromium is not installed" in page


@pytest.mark.skipif(find_chromium() is None and not __import__("os").environ.get("CI"), reason="no Chromium")
def test_pdf_downloads(evaluator: FlaskClient) -> None:
    response = download(evaluator, "pdf", "ar")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_excluded_responses_never_count(app: Flask, forms: FormClient, programme: Programme) -> None:
    programme.minimum_group_size = 3  # the three kept responses are shown
    db.session.commit()
    for comment in ("Gardé", "Gardé", "Gardé", "Exclu : un essai"):
        last = submit_all(forms, "niamey", full_answers(programme, {"q__comment_useful": comment}))
        assert last.response.status_code == 303
    test_response = db.session.scalars(select(Response).order_by(Response.submitted_at.desc())).first()
    assert test_response is not None
    test_response.excluded = True
    programme.status = ProgrammeStatus.CLOSED.value  # every kept response in (open: the latest batch is held back)
    db.session.commit()
    client = app.test_client()
    user(Role.EVALUATOR, programme)
    login(client, "evaluator@example.org")

    document = summary(download(client, "json"))
    html = download(client, "html").get_data(as_text=True)

    assert document["responses"]["n"] == 3
    assert document["dimensions"][0]["n"] == 3
    texts = [t for c in document["comments"] for g in c["groups"] for t in g["comments"]]
    assert texts == ["Gardé"] * 3
    assert "<b>3</b>" in html
    assert "Exclu : un essai" not in html


def test_hostile_comment_is_inert_in_the_downloads(evaluator: FlaskClient, forms: FormClient) -> None:
    programme = db.session.scalars(select(Programme)).one()
    submit_all(forms, "niamey", full_answers(programme, {"q__comment_improve": HOSTILE}))
    # Closed, so that the report takes in every response (while open, whole batches of k only).
    programme.status = ProgrammeStatus.CLOSED.value
    db.session.commit()
    html = download(evaluator, "html").get_data(as_text=True)
    raw = download(evaluator, "json").data

    assert "<script>alert(1)</script>" not in html
    assert "=HYPERLINK(&#34;http://x&#34;) &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert b"<script>" not in raw
    assert HOSTILE in [t for c in json.loads(raw)["comments"] for g in c["groups"] for t in g["comments"]]


@pytest.fixture
def series(programme: Programme) -> Programme:
    """A second programme of the same series as ``programme``, with 5 responses."""
    dakar = create_programme(
        db.session(),
        slug="dakar",
        title="Dakar 2026",
        questionnaire=programme.questionnaire,
        location="Dakar",
        country="SN",
        timezone="Africa/Dakar",
        expected_participants=25,
        languages=("fr", "en"),
        sessions=(),
    )
    dakar.status = "open"
    programme.series = dakar.series = "sahel"
    db.session.commit()
    add_random_responses(db.session(), dakar, 5, seed=9)
    dakar.status = ProgrammeStatus.CLOSED.value  # its 5 responses all in (open: the latest batch is held back)
    db.session.commit()
    return dakar


def test_programmes_of_a_series_compare_side_by_side(evaluator: FlaskClient, series: Programme) -> None:
    programme = db.session.scalars(select(Programme).where(Programme.slug == "niamey")).one()
    evaluator_user = db.session.scalars(select(User).where(User.role == "evaluator")).one()
    page = evaluator.get("/e/niamey/reports?lang=en").get_data(as_text=True)
    assert 'value="dakar"' not in page  # not granted: not offered
    access.grant(db.session(), evaluator_user, series)
    db.session.commit()
    page = evaluator.get("/e/niamey/reports?lang=en").get_data(as_text=True)

    assert 'name="with" value="dakar"' in page
    programme.status = ProgrammeStatus.CLOSED.value  # its 6 responses all in (open: whole batches of 5)
    db.session.commit()
    response = compare(evaluator, ["dakar"], "json", "en")
    document = summary(response)
    assert document["format"] == "survey-programme-comparison"
    assert [p["slug"] for p in document["programmes"]] == ["niamey", "dakar"]
    assert [p["responses"] for p in document["programmes"]] == [6, 5]
    cells = document["dimensions"][0]["programmes"]
    assert [c["programme"] for c in cells] == ["niamey", "dakar"]
    assert all(isinstance(c["n"], int) and c["n"] > 0 for c in cells)
    assert re.fullmatch(
        r'attachment; filename="?niamey\+dakar_comparison_en_\d{4}-\d\d-\d\d\.json"?',
        response.headers["Content-Disposition"],
    )
    html = compare(evaluator, ["dakar"], "html", "fr").get_data(as_text=True)
    assert "Dakar 2026" in html
    assert programme.title in html


def test_comparison_checks_every_programme_and_needs_another(evaluator: FlaskClient, series: Programme) -> None:
    assert compare(evaluator, ["dakar"], "json").status_code == 404  # not granted
    access.grant(db.session(), db.session.scalars(select(User).where(User.role == "evaluator")).one(), series)
    db.session.commit()
    assert compare(evaluator, ["dakar"], "json").status_code == 200
    assert compare(evaluator, [], "json").status_code == 400
    assert compare(evaluator, ["niamey"], "json").status_code == 400
    assert compare(evaluator, ["dakar"], "xlsx").status_code == 400


def test_comparison_offers_the_summary_formats_this_server_can_make(
    evaluator: FlaskClient, series: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    access.grant(db.session(), db.session.scalars(select(User).where(User.role == "evaluator")).one(), series)
    db.session.commit()
    monkeypatch.setenv("SURVEY_CHROMIUM", "/nonexistent/chromium")
    page = evaluator.get("/e/niamey/reports?lang=en").get_data(as_text=True)
    offered = re.findall(
        r'<option value="(\w+)">\w+</option>', page.split('id="compare-format"')[1].split("</select>")[0]
    )

    assert offered == ["html", "json"]  # no raw data; no PDF without Chromium
