"""The questionnaire library as an organiser sees it: list, import, export, preview."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Programme, Questionnaire, Role, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition, parse_definition
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.questionnaires import import_questionnaire
from survey.services.users import create_user
from tests.helpers import read_page

PASSWORD = "correct horse"

MINI = """code: mini_check
languages: [fr, en, ar]
title: {fr: Petit bilan, en: Quick check, ar: تقييم قصير}
pages:
  - sections:
      - questions:
          - code: liked
            kind: short_text
            text:
              fr: "Qu'avez-vous aimé ?"
              en: "What did you like?"
              ar: "ماذا أعجبك؟"
"""

BROKEN = """code: Bad-Code
title: {fr: Mauvais, en: Bad}
pages:
  - sections:
      - questions:
          - code: recommend
            kind: rating
            text: {fr: Recommander, en: Recommend, ar: توصية}
          - code: liked
            kind: colour_picker
            text: {fr: a, en: b, ar: c}
"""


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    assert response.status_code == 302
    return page.hidden["csrf_token"]


@pytest.fixture
def signed_in(client: FlaskClient, organiser: User) -> str:
    return login(client, "org@example.org")


def upload(client: FlaskClient, token: str, text: str | bytes, filename: str = "mini.yaml") -> Any:
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        "/o/questionnaires/import?lang=en",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def library_row(page_html: str, key: str) -> str:
    match = re.search(rf'<tr data-questionnaire="{key}">(.*?)</tr>', page_html, re.S)
    assert match, f"no row {key}"
    return match.group(1)


def count(row: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', row)
    assert match
    return int(match.group(1))


def versions(code: str) -> int:
    return int(db.session.scalar(select(func.count()).where(Questionnaire.code == code)) or 0)


# --- who may ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, programme: Programme) -> None:
    for url in (
        "/o/questionnaires",
        "/o/questionnaires/end_of_programme/v1.yaml",
        "/o/questionnaires/end_of_programme/v1/preview",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_evaluators_get_403(client: FlaskClient, programme: Programme) -> None:
    create_user(db.session(), "eval@example.org", PASSWORD, Role.EVALUATOR)
    db.session.commit()
    token = login(client, "eval@example.org")
    for url in (
        "/o/questionnaires",
        "/o/questionnaires/end_of_programme/v1.yaml",
        "/o/questionnaires/end_of_programme/v1/preview",
    ):
        assert client.get(url).status_code == 403
    assert upload(client, token, MINI).status_code == 403
    assert versions("mini_check") == 0


def test_import_without_csrf_token_is_refused(client: FlaskClient, signed_in: str) -> None:
    response = client.post(
        "/o/questionnaires/import",
        data={"file": (io.BytesIO(MINI.encode()), "mini.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert versions("mini_check") == 0


# --- the list -----------------------------------------------------------------


def test_library_lists_versions_with_their_use(
    client: FlaskClient, signed_in: str, programme: Programme, organiser: User
) -> None:
    access.grant(db.session(), organiser, programme)  # the library counts only granted programmes
    db.session.commit()
    add_random_responses(db.session(), programme, 6, seed=4)
    changed = load_definition(DEFAULT_QUESTIONNAIRE)
    changed["title"] = {**changed["title"], "en": "End-of-programme evaluation, 2027"}
    upload(client, signed_in, MINI)
    import_questionnaire(db.session(), changed)
    db.session.commit()

    page = client.get("/o/questionnaires?lang=en").get_data(as_text=True)
    first = library_row(page, "end_of_programme-v1")
    assert "End-of-programme evaluation<" in first
    assert (count(first, "programmes"), count(first, "responses")) == (1, 6)
    assert "locked" in first
    assert "latest" not in first
    second = library_row(page, "end_of_programme-v2")
    assert "End-of-programme evaluation, 2027" in second
    assert (count(second, "programmes"), count(second, "responses")) == (0, 0)
    assert "latest" in second
    assert "locked" not in second
    mini = library_row(page, "mini_check-v1")
    assert "Quick check" in mini
    assert 'href="/o/questionnaires/mini_check/v1.yaml"' in mini
    assert 'href="/o/questionnaires/mini_check/v1/preview"' in mini
    assert "A version that trainees have answered never changes" in page
    # in the interface's language
    assert "Petit bilan" in library_row(client.get("/o/questionnaires?lang=fr").get_data(as_text=True), "mini_check-v1")


# --- import -------------------------------------------------------------------


def test_import_new_unchanged_and_changed_file(client: FlaskClient, signed_in: str) -> None:
    response = upload(client, signed_in, MINI)
    assert response.status_code == 303
    page = client.get("/o/questionnaires?lang=en").get_data(as_text=True)
    assert "Imported: mini_check version 1." in page
    assert library_row(page, "mini_check-v1")

    upload(client, signed_in, MINI)
    page = client.get("/o/questionnaires?lang=en").get_data(as_text=True)
    assert "Unchanged: mini_check version 1 is already in the library." in page
    assert versions("mini_check") == 1

    upload(client, signed_in, MINI.replace("Quick check", "A quick check"))
    page = client.get("/o/questionnaires?lang=en").get_data(as_text=True)
    assert "Imported: mini_check version 2." in page
    assert versions("mini_check") == 2


def test_a_file_with_errors_lists_every_problem_as_the_cli_does(
    app: Flask, client: FlaskClient, signed_in: str, tmp_path: Path
) -> None:
    response = upload(client, signed_in, BROKEN, filename="bad.yaml")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "bad.yaml: 6 problems, nothing was stored." in page

    path = tmp_path / "bad.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["questionnaire", "import", str(path)])
    cli_problems = [line.strip()[2:] for line in result.output.splitlines() if line.strip().startswith("- ")]
    assert len(cli_problems) == 6
    shown = [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", response.get_data(as_text=True))]
    assert shown == cli_problems
    assert "question recommend: field anchors: ar needs two labels, for 0 and for 10" in shown
    assert any(p.startswith("question liked: field kind: unknown kind 'colour_picker'") for p in shown)
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_a_file_that_is_not_yaml_is_explained(client: FlaskClient, signed_in: str) -> None:
    response = upload(client, signed_in, "code: [unclosed", filename="broken.yaml")
    assert response.status_code == 422
    assert "broken.yaml: 1 problem, nothing was stored." in html.unescape(response.get_data(as_text=True))
    assert "not valid YAML" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "", "Please choose a questionnaire file."),
        (MINI.encode(), "mini.docx", "Please choose a .yaml or .yml file."),
        (MINI.encode("utf-16"), "mini.yaml", "The file is not UTF-8 text; please save it as UTF-8 and try again."),
        (b"# " + b"x" * (200 * 1024), "huge.yaml", "The file is larger than 128 KB; is it the right file?"),
    ],
)
def test_wrong_files_are_refused_with_a_message(
    client: FlaskClient, signed_in: str, content: bytes, filename: str, message: str
) -> None:
    response = upload(client, signed_in, content, filename=filename)
    assert response.status_code == 422
    errors = [
        html.unescape(m)
        for m in re.findall(r'<p class="field-error" id="err-file">(.*?)</p>', response.get_data(as_text=True))
    ]
    assert errors == [message]
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_an_upload_above_the_request_limit_is_refused(client: FlaskClient, signed_in: str) -> None:
    response = upload(client, signed_in, b"# " + b"x" * (300 * 1024), filename="huge.yaml")
    assert response.status_code == 413


# --- export -------------------------------------------------------------------


def test_export_downloads_yaml_that_imports_back_unchanged(
    client: FlaskClient, signed_in: str, programme: Programme
) -> None:
    response = client.get("/o/questionnaires/end_of_programme/v1.yaml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/yaml")
    assert response.headers["Content-Disposition"] == 'attachment; filename="end_of_programme-v1.yaml"'
    text = response.get_data(as_text=True)
    assert parse_definition(text) == programme.questionnaire.definition
    assert "تقييم نهاية البرنامج" in text  # Arabic kept as text, not escaped
    upload(client, signed_in, text, filename="end_of_programme-v1.yaml")
    assert "Unchanged: end_of_programme version 1" in client.get("/o/questionnaires?lang=en").get_data(as_text=True)


def test_export_of_an_unknown_version_is_404(client: FlaskClient, signed_in: str, programme: Programme) -> None:
    assert client.get("/o/questionnaires/end_of_programme/v9.yaml").status_code == 404
    assert client.get("/o/questionnaires/nothing/v1.yaml").status_code == 404


# --- preview ------------------------------------------------------------------


def preview(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/o/questionnaires/end_of_programme/v1/preview{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_preview_shows_the_trainee_form_read_only(client: FlaskClient, signed_in: str, programme: Programme) -> None:
    page = preview(client, "?lang=en")
    assert "Preview — answers are not saved" in page
    # Only the sign-out form of the top bar: nothing on the page can store an answer.
    assert re.findall(r"<form[^>]*>", page) == [re.search(r'<form method="post" action="/logout"[^>]*>', page).group(0)]
    assert 'action="/s/' not in page
    assert 'name="csrf_token"' in page  # the sign-out form's, only
    assert page.count('name="csrf_token"') == 1
    # the default (first) language of the questionnaire, French
    assert "Le contenu était pertinent pour mon travail." in page
    assert 'name="q__cq_relevance"' in page
    assert "Page 1 of 3" in page
    assert 'lang="fr" dir="ltr"' in page
    assert "Quick" not in page


def test_preview_pages_through_each_language(client: FlaskClient, signed_in: str, programme: Programme) -> None:
    english = preview(client, "?page=1&language=en&lang=en")
    assert "The content was relevant to my job." in english
    arabic = preview(client, "?page=1&language=ar&lang=en")
    assert "كان المحتوى وثيق الصلة بعملي." in arabic
    assert 'class="preview-frame" lang="ar" dir="rtl"' in arabic
    assert "Preview — answers are not saved" in arabic  # the organiser's own language stays
    second = preview(client, "?page=2&language=en&lang=en")
    assert 'name="q__pi_awareness"' in second
    assert 'name="q__cq_relevance"' not in second
    assert "page=1&amp;language=en" in second
    assert "page=3&amp;language=en" in second
    last = preview(client, "?page=99&language=en&lang=en")
    assert 'name="q__ba_knowledge__before"' in last
    assert "Page 3 of 3" in last
    assert "Send my evaluation" in last
    # The questionnaire's language is not the interface's: nothing is remembered.
    response = client.get("/o/questionnaires/end_of_programme/v1/preview?language=ar")
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_preview_shows_example_sessions_or_a_programmes_own(
    client: FlaskClient, signed_in: str, organiser: User, programme: Programme
) -> None:
    page = preview(client, "?lang=en&language=en")
    assert "Example session 1" in page
    assert "Example workshop" in page
    assert (
        client.get("/o/questionnaires/end_of_programme/v1/preview?programme=niamey").status_code == 404
    )  # not granted
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    page = html.unescape(preview(client, "?programme=niamey&lang=en&language=fr"))
    assert "Méthodologies d'intégration et de réhabilitation" in page
    assert "Example session 1" not in page
    assert "Formation de spécialistes" in page


def test_preview_of_an_unknown_version_is_404(client: FlaskClient, signed_in: str, programme: Programme) -> None:
    assert client.get("/o/questionnaires/end_of_programme/v2/preview").status_code == 404
