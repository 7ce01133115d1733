"""The classroom kit: printed paper forms, typing them in, and the shared kiosk."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from markupsafe import escape
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Answer, Programme, Question, Response, Role, User
from survey.services import access
from survey.services.kiosks import add_kiosk_device
from survey.services.programmes import create_programme
from survey.services.users import create_user
from tests.helpers import Page, full_answers, read_page

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not IN_CI, reason="/usr/bin/chromium is missing (outside CI, the PDF test skips)"
)


def login(client: FlaskClient, email: str, password: str) -> None:
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    assert response.status_code == 302


@pytest.fixture
def manager(client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    """A client signed in as an organiser granted the programme, pages in English."""
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    login(client, "org@example.org", "correct horse")
    client.get("/o/?lang=en")  # remembers English for the pages that follow
    return client


def paper_responses(programme: Programme) -> list[Response]:
    return list(
        db.session.scalars(select(Response).where(Response.programme_id == programme.id, Response.source == "paper"))
    )


def answers_of(response: Response) -> dict[str, Any]:
    rows = db.session.execute(
        select(Question.code, Answer.item, Answer.number, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id == response.id)
    )
    return {
        code + (":" + item if item else ""): (number if number is not None else text)
        for code, item, number, text in rows
    }


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


# --- the kit page -----------------------------------------------------------------------------------


def test_kit_page_links_paper_forms_per_language_data_entry_and_kiosk(
    app: Flask, manager: FlaskClient, programme: Programme
) -> None:
    response = manager.get("/o/niamey/kit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Classroom kit" in html  # the programme tab
    # One PDF per language, each with its own block of numbers (29 expected trainees), asked
    # by a POST (tests/web/test_paper_form_jobs.py), and its preview.
    for lang, first in (("fr", 1), ("ar", 101), ("en", 201)):
        assert f'name="language" value="{lang}"' in html
        assert f'name="first" value="{first}"' in html
        assert f"/o/niamey/paper.html?language={lang}&amp;first={first}&amp;copies=1" in html
    assert html.count('action="/o/niamey/paper.pdf"') == 4  # the three languages and other numbers
    assert "/o/niamey/entry" in html
    assert "data-kiosk-link" not in html  # no kiosk device yet
    assert "Add a kiosk device" in html
    assert "0 paper forms typed in so far." in html


# --- the printed questionnaire ----------------------------------------------------------------------


def test_paper_form_html_has_every_question_code_and_numbered_copies(
    manager: FlaskClient, programme: Programme
) -> None:
    response = manager.get("/o/niamey/paper.html?language=fr&first=7&copies=2")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert re.findall(r'data-form-number="(\d+)"', html) == ["7", "8"]
    # Each copy is one table: its header (the form number) repeats on every printed page.
    assert len(re.findall(r'<span class="formno" id="formno-7">[^<]*<b dir="ltr">7</b>', html)) == 1
    for code in (
        "cq_relevance",
        "session_usefulness",
        "recommend",
        "helpful_formats",
        "comment_improve",
        "ba_knowledge",
    ):
        assert html.count(f"[{code}]") == 2, code
    assert "Le contenu était pertinent pour mon travail." in html
    assert str(escape("Tout à fait d'accord")) in html  # Likert point labels
    copy = html.split('data-form-number="8"')[0]
    assert copy.count('class="line"') == 2 * 5  # two comment boxes of five lines
    session_rows = [str(escape(s.title)) for s in programme.sessions]
    assert all(copy.count(title) == 1 for title in session_rows)  # matrix: one row per session
    # The inline style is allowed by its hash, nothing else inline.
    csp = response.headers["Content-Security-Policy"]
    assert "'sha256-" in csp
    assert "unsafe-inline" not in csp


def test_paper_form_in_arabic_is_right_to_left(manager: FlaskClient, programme: Programme) -> None:
    html = manager.get("/o/niamey/paper.html?language=ar&first=101&copies=1").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "كان المحتوى وثيق الصلة بعملي." in html
    assert "أوافق تمامًا" in html
    assert '"Noto Sans Arabic"' in html
    assert '<span class="code" dir="ltr">[cq_relevance]</span>' in html


def test_paper_language_leaves_the_organisers_own_language_alone(manager: FlaskClient, programme: Programme) -> None:
    response = manager.get("/o/niamey/paper.html?language=ar&first=101&copies=1")
    assert '<html lang="ar" dir="rtl">' in response.get_data(as_text=True)
    # No language remembered (the staff session's cookie is renewed on every request: its idle time).
    assert not [c for c in response.headers.getlist("Set-Cookie") if not c.startswith("session=")]
    assert '<html lang="en" dir="ltr">' in manager.get("/o/niamey/kit").get_data(as_text=True)


def test_short_paper_link_defaults_to_the_first_numbers(manager: FlaskClient, programme: Programme) -> None:
    """``paper.pdf?lang=ar&copies=2`` works too: forms no. 1 and 2 in Arabic."""
    html = manager.get("/o/niamey/paper.html?lang=ar&copies=2").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert re.findall(r'data-form-number="(\d+)"', html) == ["1", "2"]
    html = manager.get("/o/niamey/paper.html").get_data(as_text=True)  # the first language, 29 copies
    assert '<html lang="fr" dir="ltr">' in html
    assert len(re.findall(r'data-form-number="(\d+)"', html)) == 29


def test_paper_form_refuses_a_language_or_range_not_offered(manager: FlaskClient, programme: Programme) -> None:
    assert manager.get("/o/niamey/paper.html?language=de&first=1&copies=3").status_code == 400
    assert manager.get("/o/niamey/paper.html?language=fr&first=1&copies=0").status_code == 400
    assert manager.get("/o/niamey/paper.html?language=fr&first=99999&copies=2").status_code == 400


# --- typing paper forms in --------------------------------------------------------------------------


def entry_page(client: FlaskClient, query: str = "") -> Page:
    return read_page(client.get(f"/o/niamey/entry{query}"))


def ticked(page: Page) -> dict[str, list[str]]:
    """What the page shows as answered: the "no answer" radio (value "") left out."""
    return {name: values for name, values in page.values.items() if any(values)}


def post_entry(client: FlaskClient, page: Page, answers: dict[str, Any]) -> Any:
    data: dict[str, Any] = {**page.hidden, "language": "fr"}  # the select, as a browser sends it
    data.update(answers)
    return client.post("/o/niamey/entry", data=data)


def test_entry_screen_shows_every_question_on_one_page_number_first(manager: FlaskClient, programme: Programme) -> None:
    page = entry_page(manager)
    assert page.response.status_code == 200
    assert page.names[0] == "paper_number"
    assert page.names[1] == "language"
    assert re.search(
        r'<input[^>]*autofocus[^>]*name="paper_number"|<input[^>]*name="paper_number"[^>]*autofocus', page.html
    )
    sessions = [s.id for s in programme.sessions]
    expected = {name for answers in full_answers(programme) for name in answers}
    assert expected <= set(page.names)  # the three pages of the trainee form, on one screen
    assert {f"q__session_usefulness__{sid}" for sid in sessions} <= set(page.names)
    assert not ticked(page)  # nothing ticked
    assert all(values == [""] for values in page.values.values())  # every question on "no answer"
    assert "Paper forms are often incomplete" in page.html
    assert len(page.hidden["idem"]) == 32


def test_typed_in_form_is_stored_as_paper_with_its_number_and_language(
    manager: FlaskClient, programme: Programme
) -> None:
    page = entry_page(manager)
    response = post_entry(
        manager,
        page,
        {
            "paper_number": "7",
            "language": "ar",
            "q__cq_relevance": "4",
            "q__recommend": "10",
            "q__helpful_formats": ["lectures", "peer_exchange"],
            "q__ba_knowledge__after": "5",
            "q__comment_useful": "الورش",
            "q__cq_clarity": "",  # left on "no answer"
        },
    )
    assert response.status_code == 303
    [stored] = paper_responses(programme)
    assert (stored.source, stored.paper_number, stored.language) == ("paper", 7, "ar")
    assert answers_of(stored) == {
        "cq_relevance": 4,
        "recommend": 10,
        "helpful_formats:lectures": 1,
        "helpful_formats:peer_exchange": 1,
        "ba_knowledge:after": 5,
        "comment_useful": "الورش",
    }
    fresh = read_page(manager.get(response.headers["Location"]))
    assert "Form no. 7 saved." in fresh.html
    assert "1 paper form typed in so far." in fresh.html
    assert not ticked(fresh)  # an empty screen
    assert fresh.hidden["idem"] != page.hidden["idem"]
    assert re.search(r'<option selected value="ar">|<option value="ar" selected>', fresh.html)  # same language kept


def test_a_form_number_typed_in_twice_is_refused(manager: FlaskClient, programme: Programme) -> None:
    assert post_entry(manager, entry_page(manager), {"paper_number": "7", "q__cq_relevance": "4"}).status_code == 303
    again = post_entry(manager, entry_page(manager), {"paper_number": "7", "q__cq_relevance": "2"})
    assert again.status_code == 422
    html = again.get_data(as_text=True)
    assert "Form no. 7 was already typed in." in html
    assert 'aria-describedby="err-paper_number"' in html
    kept = read_page(again)
    assert ticked(kept)["paper_number"] == ["7"]
    assert kept.values["q__cq_relevance"] == ["2"]
    assert [r.paper_number for r in paper_responses(programme)] == [7]


def test_pressing_save_twice_stores_one_form(manager: FlaskClient, programme: Programme) -> None:
    page = entry_page(manager)
    answers = {"paper_number": "12", "q__cq_relevance": "5"}
    assert post_entry(manager, page, answers).status_code == 303
    assert post_entry(manager, page, answers).status_code == 303
    assert len(paper_responses(programme)) == 1


def test_out_of_range_answers_are_refused_beside_the_field_with_values_kept(
    manager: FlaskClient, programme: Programme
) -> None:
    response = post_entry(
        manager,
        entry_page(manager),
        {"paper_number": "8", "q__cq_relevance": "9", "q__cq_clarity": "3", "q__comment_improve": "x" * 2500},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="err-q__cq_relevance">Choose one of the points from 1 to 5.', html)
    assert 'id="err-q__comment_improve"' in html
    kept = read_page(response)
    assert kept.values["paper_number"] == ["8"]
    assert kept.values["q__cq_clarity"] == ["3"]
    assert paper_responses(programme) == []


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"paper_number": "", "q__cq_relevance": "4"}, "Type the number printed at the top of the paper form."),
        ({"paper_number": "abc", "q__cq_relevance": "4"}, 'id="err-paper_number"'),
        ({"paper_number": "0", "q__cq_relevance": "4"}, "A form number is from 1 to 99999."),
        ({"paper_number": "9"}, "Nothing was entered: a blank sheet is not stored."),
        ({"paper_number": "9", "language": "de", "q__cq_relevance": "4"}, 'id="err-language"'),
    ],
)
def test_entry_problems_are_explained_and_nothing_is_stored(
    manager: FlaskClient, programme: Programme, answers: dict[str, str], message: str
) -> None:
    response = post_entry(manager, entry_page(manager), answers)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert paper_responses(programme) == []


def test_entry_into_a_closed_programme_says_to_reopen_it(manager: FlaskClient, programme: Programme) -> None:
    page = entry_page(manager)
    programme.status = "closed"
    db.session.commit()
    response = post_entry(manager, page, {"paper_number": "3", "q__cq_relevance": "4"})
    assert response.status_code == 422
    assert "open it again to type in paper forms" in response.get_data(as_text=True)
    assert paper_responses(programme) == []


# --- who may use the kit ----------------------------------------------------------------------------

KIT_URLS = [
    ("get", "/o/niamey/kit"),
    ("get", "/o/niamey/paper.pdf?language=fr&first=1&copies=1"),
    ("get", "/o/niamey/paper.html?language=fr&first=1&copies=1"),
    ("get", "/o/niamey/entry"),
    ("post", "/o/niamey/entry"),
    ("get", "/o/niamey/saved-answers"),
    ("post", "/o/niamey/saved-answers"),
]


@pytest.mark.parametrize(("method", "url"), KIT_URLS)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: FlaskClient, programme: Programme, method: str, url: str
) -> None:
    response = getattr(client, method)(url)
    assert response.status_code in {302, 400}  # a POST without a CSRF token is refused first
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    assert paper_responses(programme) == []


@pytest.mark.parametrize(("method", "url"), KIT_URLS)
@pytest.mark.parametrize(("role", "granted", "status"), [(Role.EVALUATOR, True, 403), (Role.ORGANISER, False, 404)])
def test_evaluators_and_other_programmes_organisers_are_refused(
    client: FlaskClient, programme: Programme, method: str, url: str, role: Role, granted: bool, status: int
) -> None:
    user = create_user(db.session(), "someone@example.org", "someone-password", role)
    if granted:
        access.grant(db.session(), user, programme)
    db.session.commit()
    login(client, "someone@example.org", "someone-password")
    data = {}
    if method == "post":
        data = {**read_page(client.get("/login")).hidden, "paper_number": "1", "q__cq_relevance": "4"}
    response = getattr(client, method)(url, data=data) if method == "post" else client.get(url)
    assert response.status_code == status
    assert paper_responses(programme) == []


# --- the kiosk --------------------------------------------------------------------------------------


def kiosk_url(app: Flask, programme: Programme, name: str = "Tablet") -> str:
    """The link of a new kiosk device of ``programme``."""
    device = add_kiosk_device(db.session(), programme, name)
    return f"/k/{programme.slug}/{device.token}"


def kiosk_post(client: FlaskClient, url: str, page: Page, answers: dict[str, Any], action: str) -> Any:
    data: dict[str, Any] = dict(page.hidden)
    data.update(page.values)
    data.update(answers)
    data["action"] = action
    return client.post(url, data=data)


def kiosk_submit(client: FlaskClient, url: str, pages: list[dict[str, Any]]) -> tuple[list[Page], Any]:
    """Walk the kiosk form; returns the pages seen and the final answer (the redirect)."""
    seen = [read_page(client.get(url))]
    response = None
    for index, answers in enumerate(pages):
        action = "send" if index == len(pages) - 1 else "next"
        response = kiosk_post(client, url, seen[-1], answers, action)
        if response.status_code == 200:
            seen.append(read_page(response))
    return seen, response


def test_kiosk_form_keeps_nothing_of_the_previous_trainee(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    url = kiosk_url(app, programme)
    pages = full_answers(programme, {"q__comment_improve": "Plus de pauses"})
    seen, done = kiosk_submit(client, url, pages)
    first = seen[0]
    assert first.response.headers["Cache-Control"] == "no-store"
    assert 'autocomplete="off"' in first.html
    assert "data-no-draft" in first.html
    assert f'action="{url}"' in first.html
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"{url}/done")
    thanks = client.get(done.headers["Location"])
    assert thanks.status_code == 200
    assert thanks.headers["Cache-Control"] == "no-store"
    thanks_html = thanks.get_data(as_text=True)
    assert f'href="{url}" data-kiosk-next' in thanks_html
    # The language the trainee chose is forgotten too.
    assert any(c.startswith("lang=;") and "Expires=Thu, 01 Jan 1970" in c for c in thanks.headers.getlist("Set-Cookie"))
    assert "/static/js/kiosk.js" in thanks_html
    assert "Plus de pauses" not in thanks_html
    # The next trainee: an empty form, a new key, nothing stored by the browser.
    following = read_page(client.get(url))
    assert following.response.headers["Cache-Control"] == "no-store"
    assert following.values == {}
    assert "checked" not in following.html
    assert following.hidden["idem"] != first.hidden["idem"]
    assert "Les études de cas" not in following.html
    assert "Plus de pauses" not in following.html
    stored = db.session.scalars(select(Response).where(Response.programme_id == programme.id)).all()
    assert [(r.source, r.paper_number) for r in stored] == [("kiosk", None)]


def test_kiosk_back_button_and_resend_shows_thanks_not_the_answers(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    url = kiosk_url(app, programme)
    pages = full_answers(programme)
    seen, done = kiosk_submit(client, url, pages)
    assert done.status_code == 303
    # "Back" then "resend" on page 2: the browser posts page 1's answers again.
    resent = kiosk_post(client, url, seen[0], pages[0], "next")
    assert resent.status_code == 303
    assert resent.headers["Location"].endswith(f"{url}/done")
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_kiosk_signs_out_an_organiser(app: Flask, manager: FlaskClient, programme: Programme) -> None:
    url = kiosk_url(app, programme)
    assert manager.get(url).status_code == 200
    # The shared device no longer carries the organiser's session.
    after = manager.get("/o/niamey/kit")
    assert after.status_code == 302
    assert "/login" in after.headers["Location"]
    _seen, done = kiosk_submit(manager, url, full_answers(programme))
    assert done.status_code == 303
    assert db.session.scalars(select(Response.source)).all() == ["kiosk"]


def test_kiosk_link_needs_the_programmes_own_token(app: Flask, client: FlaskClient, programme: Programme) -> None:
    session = db.session()
    other = create_programme(session, slug="dakar", title="Dakar", questionnaire=programme.questionnaire)
    other.status = "open"
    session.commit()
    assert client.get("/k/niamey/forged-token").status_code == 404
    # A link of the kind this service made before kiosk devices existed: stale.
    assert (
        client.get(
            f"/k/niamey/{URLSafeSerializer(app.config['SECRET_KEY'], salt='kiosk').dumps(programme.id)}"
        ).status_code
        == 404
    )
    dakar_token = kiosk_url(app, other).rsplit("/", 1)[1]
    assert client.get(f"/k/niamey/{dakar_token}").status_code == 404
    assert client.get(f"/k/niamey/{dakar_token}/done").status_code == 404
    assert client.post(f"/k/niamey/{dakar_token}", data={"action": "send"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_kiosk_of_a_closed_programme_says_closed(app: Flask, client: FlaskClient, programme: Programme) -> None:
    url = kiosk_url(app, programme)
    programme.status = "closed"
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 410
    assert response.headers["Cache-Control"] == "no-store"
