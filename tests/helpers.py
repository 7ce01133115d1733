"""Test helpers: a browser without JavaScript (read the form, post it back), and the seed programme."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from survey.models import Programme
from survey.services.demo import DEMO_SESSIONS
from survey.services.programmes import create_programme
from survey.services.questionnaires import import_questionnaire


class _FormParser(HTMLParser):
    """Reads a page as a browser without JavaScript sees it: ``names`` are the
    inputs shown (not those of hidden pages); ``values`` are every filled input,
    shown or not, since a browser posts both."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.names: list[str] = []
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        #: For each open <div>: whether it is hidden.
        self._divs: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "div":
            self._divs.append("hidden" in a)
        if tag in {"input", "textarea", "select"} and a.get("name"):
            name = a["name"]
            if a.get("type") == "hidden":
                self.hidden[name] = a.get("value", "")
            elif name not in self.names and not any(self._divs):
                self.names.append(name)
            if a.get("type") in {"radio", "checkbox"} and "checked" in a:
                self.values.setdefault(name, []).append(a.get("value", ""))
            elif a.get("type") == "text" and a.get("value"):
                self.values.setdefault(name, []).append(a["value"])
            if tag == "textarea":
                self._textarea = name

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._divs:
            self._divs.pop()
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and data:
            self.values.setdefault(self._textarea, []).append(data)


@dataclass
class Page:
    response: TestResponse
    hidden: dict[str, str]
    names: list[str]
    #: What the page shows as already answered (checked radios, filled text inputs).
    values: dict[str, list[str]] = field(default_factory=dict)

    @property
    def html(self) -> str:
        return self.response.get_data(as_text=True)


def read_page(response: TestResponse) -> Page:
    parser = _FormParser()
    parser.feed(response.get_data(as_text=True))
    return Page(response, parser.hidden, parser.names, parser.values)


class FormClient:
    """Fills the trainee form page by page, as a person with JavaScript off would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def open(self, slug: str, **headers: Any) -> Page:
        return read_page(self.client.get(f"/s/{slug}", headers=headers))

    def post(self, slug: str, page: Page, answers: dict[str, Any], action: str = "next", **extra: str) -> Page:
        data: dict[str, Any] = dict(page.hidden)
        data.update(page.values)  # what the page shows filled in is sent again, as a browser does
        data.update({k: v for k, v in answers.items() if v is not None})
        data["action"] = action
        data.update(extra)
        return read_page(self.client.post(f"/s/{slug}", data=data))


def full_answers(programme: Any, overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Valid answers for every page of the default questionnaire, page by page."""
    sessions = [s.id for s in programme.sessions]
    pages = [
        {
            "q__cq_relevance": "5",
            "q__cq_clarity": "4",
            "q__cq_depth": "4",
            "q__cq_materials": "3",
            **{f"q__session_usefulness__{sid}": "4" for sid in sessions},
        },
        {
            "q__pi_awareness": "4",
            "q__pi_intention": "5",
            "q__org_duration": "3",
            "q__org_logistics": "4",
            "q__overall_satisfaction": "5",
            "q__recommend": "9",
            "q__helpful_formats": ["workshops", "case_studies"],
            "q__attended_before": "no",
            "q__comment_useful": "Les études de cas",
            "q__comment_improve": "",
        },
        {
            "q__ba_knowledge__before": "2",
            "q__ba_knowledge__after": "4",
            "q__ba_methods__before": "2",
            "q__ba_methods__after": "5",
            "q__ba_confidence__before": "3",
            "q__ba_confidence__after": "4",
        },
    ]
    for name, value in (overrides or {}).items():
        for page in pages:
            if name in page:
                page[name] = value
    return pages


def submit_all(forms: FormClient, slug: str, pages: list[dict[str, Any]], **headers: Any) -> Page:
    """Walk every page with valid answers; returns the last page seen (before the redirect)."""
    page = forms.open(slug, **headers)
    for index, answers in enumerate(pages):
        action = "send" if index == len(pages) - 1 else "next"
        page = forms.post(slug, page, answers, action=action)
    return page


def open_seed_programme(
    session: Session,
    definition: dict[str, object],
    *,
    slug: str = "niamey",
    title: str = "Formation de spécialistes",
    expected_participants: int = 29,
) -> Programme:
    """The ``programme`` fixture's programme (or one like it with another
    questionnaire, short name and size), created and committed in ``session``."""
    questionnaire, _ = import_questionnaire(session, definition)
    programme = create_programme(
        session,
        slug=slug,
        title=title,
        questionnaire=questionnaire,
        location="Niamey",
        country="NE",
        timezone="Africa/Niamey",
        expected_participants=expected_participants,
        languages=("fr", "ar", "en"),
        sessions=DEMO_SESSIONS[:3],
    )
    programme.status = "open"
    session.commit()
    return programme


def ask_document(client: FlaskClient, path: str, **data: Any) -> TestResponse:
    """Ask for a report document as the reports page does (POST ``path``), then
    follow the job page to the file, as the person would: in the tests jobs run
    inside the request (SURVEY_REPORT_QUEUE_URL=immediate), so the file is
    ready at once. Any answer but the job page (400, 404, 503) is returned as is."""
    token = read_page(client.get("/o/")).hidden.get("csrf_token", "")
    asked = client.post(path, data={"csrf_token": token, **data})
    if asked.status_code != 303:
        return asked
    job_page = client.get(asked.headers["Location"])
    assert job_page.status_code == 200, job_page.get_data(as_text=True)[:500]
    return client.get(asked.headers["Location"] + "/file")
