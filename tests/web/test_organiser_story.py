"""The organiser's whole session, through the web pages only: create a programme,
import its questionnaire, hand out 29 codes, open, let 29 trainees answer, watch
the dashboard, close."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE
from survey.services.programmes import find_programme
from tests.helpers import FormClient, full_answers, read_page

#: What the 29 trainees answer to "likelihood to recommend": 0-10 -> how many.
RECOMMEND = {10: 9, 9: 8, 8: 6, 7: 3, 5: 2, 3: 1}


def _token(client: FlaskClient, url: str) -> str:
    return read_page(client.get(url)).hidden["csrf_token"]


def _sign_in(client: FlaskClient) -> None:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": "org@example.org", "password": "correct horse"})
    assert response.status_code == 302


def test_an_organiser_runs_a_programme_from_creation_to_closing(app: Flask, organiser: User) -> None:
    manager = app.test_client()
    _sign_in(manager)

    # The questionnaire, imported from a file in the browser.
    token = _token(manager, "/o/questionnaires")
    imported = manager.post(
        "/o/questionnaires/import",
        data={"csrf_token": token, "file": (io.BytesIO(DEFAULT_QUESTIONNAIRE.read_bytes()), "evaluation.yaml")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert imported.status_code == 200
    library = manager.get("/o/new").get_data(as_text=True)
    questionnaire_id = re.search(r'<option[^>]*value="(\d+)"[^>]*>end_of_programme v1', library)
    assert questionnaire_id is not None, re.findall(r"<select[^>]*questionnaire.*?</select>", library, re.S)

    # The programme, created as a draft with three sessions.
    created = manager.post(
        "/o/new",
        data={
            "csrf_token": _token(manager, "/o/new"),
            "title": "Formation de spécialistes, Niamey",
            "slug": "niamey-story",
            "location": "Niamey",
            "country": "NE",
            "starts_on": "2026-11-23",
            "ends_on": "2026-11-27",
            "expected_participants": "29",
            "languages": ["fr", "ar", "en"],
            "default_language": "fr",
            "timezone": "Africa/Niamey",
            "questionnaire": questionnaire_id.group(1),
            "sessions": "1 | Méthodologies | A | session\n3 | Études de cas | B | atelier\n5 | Synthèse | C | session",
        },
    )
    assert created.status_code in (302, 303), created.get_data(as_text=True)[:3000]
    # Still a draft: its link says "not open yet".
    assert FormClient(app.test_client()).open("niamey-story").response.status_code == 403

    # 29 single-use codes, codes mode, open.
    token = _token(manager, "/o/niamey-story/codes")
    assert manager.post("/o/niamey-story/codes", data={"csrf_token": token, "count": "29"}).status_code == 303
    assert manager.post("/o/niamey-story/codes/mode", data={"csrf_token": token, "mode": "codes"}).status_code == 303
    assert manager.post("/o/niamey-story/open", data={"csrf_token": token}).status_code == 303
    codes = re.findall(r'data-code="([A-Z0-9-]+)"', manager.get("/o/niamey-story/codes/cards").get_data(as_text=True))
    assert len(set(codes)) == 29

    # 29 trainees, each on their own phone with their own code.
    scores = [score for score, count in RECOMMEND.items() for _ in range(count)]

    programme = find_programme(db.session(), "niamey-story")
    for code, score in zip(codes, scores, strict=True):
        trainee = FormClient(app.test_client())
        page = read_page(trainee.client.get(f"/c/{code}", follow_redirects=True))
        assert page.response.status_code == 200
        pages = full_answers(programme, {"q__recommend": str(score)})
        for index, answers in enumerate(pages):
            action = "send" if index == len(pages) - 1 else "next"
            page = trainee.post("niamey-story", page, answers, action=action)
        assert page.response.status_code == 303

    # A 30th try with a used code is refused.
    late = app.test_client().get(f"/c/{codes[0]}", follow_redirects=True)
    assert late.status_code == 404  # the same page as a code never issued

    # The dashboard's data: 29 of 29; while open, the charts take in whole batches of 5
    # (25 responses) and the last 4 wait for the next batch.
    data = _live(manager)
    assert data["kpis"]["responses"] == 29
    assert data["kpis"]["expected"] == 29
    assert data["kpis"]["rate"] == 100
    assert data["kpis"]["waiting"] == 4
    assert sum(_recommend_counts(data).values()) == 25

    # Closing: the form now answers "closed".
    assert (
        manager.post(
            "/o/niamey-story/close", data={"csrf_token": _token(manager, "/o/niamey-story/settings")}
        ).status_code
        == 303
    )
    closed = app.test_client().get("/s/niamey-story?lang=en")
    assert closed.status_code == 410
    assert "closed" in closed.get_data(as_text=True)
    # Closed, every response is in: the recommendation chart counts each score.
    data = _live(manager)
    assert data["kpis"]["waiting"] == 0
    counted = _recommend_counts(data)
    assert {score: counted.get(score, 0) for score in RECOMMEND} == RECOMMEND
    assert sum(counted.values()) == 29


def _live(manager: FlaskClient) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(manager.get("/o/niamey-story/live.json?lang=en").get_data(as_text=True))
    return data


def _recommend_counts(data: dict[str, Any]) -> dict[int, int]:
    """How many answers the recommendation chart counts for each score."""
    (figure,) = [json.loads(f["json"]) for f in data["figures"] if f["code"] == "recommend"]
    return {int(x): int(y) for trace in figure["data"] for x, y in zip(trace["x"], trace["y"], strict=True)}
