"""Answers a trainee saved to a file on a phone that never got through, brought
in by an organiser: checked like a sent form, stored once by the form's key
(however often imported, or sent later by the phone), with the time saved."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Programme, Response
from survey.services.programmes import close_programme
from tests.helpers import FormClient, full_answers, read_page
from tests.web.test_classroom_kit import manager  # noqa: F401  (the fixture)

URL = "/o/niamey/saved-answers"


def saved_file(of: Programme, **changes: Any) -> dict[str, Any]:
    """A file as static/js/form.js writes it ("Save my answers in a file")."""
    values: dict[str, list[str]] = {}
    for page in full_answers(of):
        for name, value in page.items():
            if value:
                values[name] = value if isinstance(value, list) else [value]
    return {
        "format": "survey-answers",
        "version": 1,
        "programme": "niamey",
        "idem": uuid.uuid4().hex,
        "lang": "ar",
        "saved": "2026-05-14T15:20:00.000Z",
        "values": values,
        **changes,
    }


def upload(client: FlaskClient, *files: dict[str, Any] | bytes) -> Any:
    token = read_page(client.get(URL)).hidden["csrf_token"]
    data: dict[str, Any] = {"csrf_token": token, "files": []}
    for index, content in enumerate(files):
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        data["files"].append((io.BytesIO(raw), f"answers-{index}.json"))
    return client.post(URL, data=data, content_type="multipart/form-data")


def responses() -> list[Response]:
    return list(db.session.scalars(select(Response)))


def test_a_saved_file_is_stored_once_with_its_language_and_the_time_it_arrived(
    manager: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    """While the programme is open, a saved form arrives now: dated back, it would slip into a
    batch of figures already shown and push another response out, readable by difference."""
    saved = saved_file(programme)
    before = datetime.now(UTC)
    first = upload(manager, saved)
    assert first.status_code == 200
    assert 'data-outcome="stored"' in first.get_data(as_text=True)
    (response,) = responses()
    assert response.language == "ar"
    assert response.submitted_at.replace(tzinfo=UTC) >= before
    assert response.idempotency_key == saved["idem"]
    again = upload(manager, saved)
    assert 'data-outcome="already"' in again.get_data(as_text=True)
    assert len(responses()) == 1


def test_a_closed_programme_still_takes_its_saved_answers(
    manager: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    close_programme(db.session(), programme)
    assert 'data-outcome="stored"' in upload(manager, saved_file(programme)).get_data(as_text=True)
    (response,) = responses()
    saved_time = datetime(2026, 5, 14, 15, 20, tzinfo=UTC)
    assert response.submitted_at.replace(tzinfo=UTC) == saved_time, "the time it was saved"


def test_a_phone_that_gets_through_after_the_import_stores_nothing_more(
    client: FlaskClient,
    forms: FormClient,
    programme: Programme,
    manager: FlaskClient,  # noqa: F811
) -> None:
    page = forms.open("niamey")
    saved = saved_file(programme, idem=page.hidden["idem"])
    upload(manager, saved)
    data: dict[str, Any] = {**page.hidden, **{k: v for p in full_answers(programme) for k, v in p.items() if v}}
    sent = client.post("/s/niamey", data={**data, "whole": "1", "action": "send", "page": "2"})
    assert sent.status_code == 303
    assert len(responses()) == 1


def test_wrong_files_are_refused_and_store_nothing(
    manager: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    other = saved_file(programme, programme="dakar")
    broken = b"not json"
    missing = saved_file(programme)
    missing["values"].pop("q__cq_relevance")  # a required answer
    unknown = saved_file(programme, format="something-else")
    answer = upload(manager, other, broken, missing, unknown)
    assert answer.status_code == 422
    assert answer.get_data(as_text=True).count('data-outcome="refused"') == 4
    assert responses() == []
