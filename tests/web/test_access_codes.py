"""Invitation codes, from the organiser's codes page to a trainee typing one on a phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from survey.extensions import db
from survey.models import AccessMode, Programme, Role, User
from survey.services import access, aggregates
from survey.services.anonymity import group_size_of
from survey.services.codes import code_counts, format_code, issue_codes, set_access_mode
from survey.services.programmes import create_programme
from survey.services.users import create_user
from tests.helpers import FormClient, Page, full_answers, read_page

#: One message for used, unknown, malformed and other programmes' codes alike.
REFUSED = "This code cannot be used here"
MISSING = "Please type the code printed on your card"


def login(client: FlaskClient, email: str, password: str) -> int:
    page = read_page(client.get("/login"))
    return client.post("/login", data={**page.hidden, "email": email, "password": password}).status_code


def csrf(client: FlaskClient, path: str = "/o/") -> str:
    return read_page(client.get(path)).hidden["csrf_token"]


@pytest.fixture
def manager(client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    """The test client, signed in as an organiser granted the programme, pages in English."""
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    client.set_cookie("lang", "en")
    assert login(client, "org@example.org", "correct horse") == 302
    return client


@pytest.fixture
def coded(programme: Programme) -> Programme:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    return programme


def trainee(app: Flask) -> FormClient:
    """A trainee's own phone: a fresh browser, reading English."""
    client = app.test_client()
    client.set_cookie("lang", "en")
    return FormClient(client)


def fill_in(forms: FormClient, page: Page, programme: Programme, **last: str) -> Page:
    """Answer every page of the form opened at ``page``; returns the answer to "Send"."""
    pages = full_answers(programme)
    for index, answers in enumerate(pages):
        final = index == len(pages) - 1
        page = forms.post(programme.slug, page, {**answers, **(last if final else {})}, "send" if final else "next")
        if page.response.status_code != 200:
            break
    return page


def test_twenty_nine_trainees_answer_with_their_codes_and_a_reused_code_is_refused(
    app: Flask, manager: FlaskClient, programme: Programme
) -> None:
    programme.status = "draft"
    db.session.commit()
    token = csrf(manager, "/o/niamey/codes")
    assert manager.post("/o/niamey/codes", data={"csrf_token": token, "count": "29"}).status_code == 303
    assert manager.post("/o/niamey/codes/mode", data={"csrf_token": token, "mode": "codes"}).status_code == 303
    assert manager.post("/o/niamey/open", data={"csrf_token": token}).status_code == 303
    cards = manager.get("/o/niamey/codes/cards").get_data(as_text=True)
    codes = re.findall(r'data-code="([A-Z0-9-]+)"', cards)
    assert len(codes) == 29 == len(set(codes))

    for number, code in enumerate(codes):
        forms = trainee(app)
        if number % 3 == 0:  # scans the QR code on the card
            page = read_page(forms.client.get(f"/c/{code}", follow_redirects=True))
        elif number % 3 == 1:  # types it on the code page, in small letters, with a space
            assert "inputmode" in forms.open("niamey").html
            page = read_page(forms.client.post("/s/niamey", data={"code": code.lower().replace("-", " ")}))
        else:
            page = read_page(forms.client.post("/s/niamey", data={"code": code}))
        assert page.response.status_code == 200, number
        assert page.hidden["access_code"] == code.replace("-", "")
        sent = fill_in(forms, page, programme)
        assert sent.response.status_code == 303, (number, sent.html[:2000])

    latecomer = trainee(app)
    refused = latecomer.client.post("/s/niamey", data={"code": codes[7]})
    assert refused.status_code == 422
    assert REFUSED in refused.get_data(as_text=True)
    assert latecomer.client.get(f"/c/{codes[7]}", follow_redirects=True).status_code == 404

    assert aggregates.response_count(db.session(), programme) == 29
    assert code_counts(db.session(), programme).used == 29
    page = manager.get("/o/niamey/codes").get_data(as_text=True)
    assert 'data-kpi="codes-used">29<' in page
    assert 'data-kpi="codes-unused">0<' in page


def test_a_code_used_meanwhile_is_refused_at_submit_and_the_answers_are_kept(app: Flask, coded: Programme) -> None:
    code, spare = (format_code(c) for c in issue_codes(db.session(), coded, 2))
    first, second = trainee(app), trainee(app)
    pages = full_answers(coded)
    # The second trainee (given the same card by mistake) is on the last page ...
    last_page = read_page(second.client.post("/s/niamey", data={"code": code}))
    for answers in pages[:-1]:
        last_page = second.post("niamey", last_page, answers)
    assert last_page.response.status_code == 200
    # ... when the first one sends.
    assert (
        fill_in(first, read_page(first.client.get(f"/c/{code}", follow_redirects=True)), coded).response.status_code
        == 303
    )

    refused = second.post("niamey", last_page, pages[-1], "send")
    assert refused.response.status_code == 422
    assert REFUSED in refused.html
    # The last page comes back with every answer, and a field for another code.
    assert refused.values["q__ba_knowledge__before"] == ["2"]
    assert refused.values["q__ba_methods__after"] == ["5"]
    assert "access_code" in refused.names
    assert "access_code" not in refused.hidden
    assert aggregates.response_count(db.session(), coded) == 1

    sent = second.post("niamey", refused, {"access_code": spare.lower()}, "send")
    assert sent.response.status_code == 303
    assert aggregates.response_count(db.session(), coded) == 2
    assert code_counts(db.session(), coded).used == 2


def test_a_resent_form_is_the_same_response_not_a_refusal(app: Flask, coded: Programme) -> None:
    (code,) = issue_codes(db.session(), coded, 1)
    forms = trainee(app)
    page = read_page(forms.client.post("/s/niamey", data={"code": code}))
    pages = full_answers(coded)
    for answers in pages[:-1]:
        page = forms.post("niamey", page, answers)
    first = forms.post("niamey", page, pages[-1], "send")
    again = forms.post("niamey", page, pages[-1], "send")  # the same page sent twice (slow network)
    assert first.response.status_code == again.response.status_code == 303
    receipt = forms.client.get(again.response.headers["Location"]).get_data(as_text=True)
    assert "We had already received this evaluation" in receipt
    assert aggregates.response_count(db.session(), coded) == 1


def test_a_code_that_became_invalid_is_caught_on_the_next_page(app: Flask, coded: Programme) -> None:
    (code,) = issue_codes(db.session(), coded, 1)
    forms = trainee(app)
    page = read_page(forms.client.post("/s/niamey", data={"code": code}))
    forged = forms.post("niamey", page, {**full_answers(coded)[0], "access_code": "KKKKKKKK"})
    assert forged.response.status_code == 422
    assert REFUSED in forged.html
    assert forged.values["access_code"] == ["KKKK-KKKK"]  # shown grouped, as printed


def _other_programmes_code(coded: Programme) -> str:
    other = create_programme(db.session(), slug="dakar", title="Dakar", questionnaire=coded.questionnaire)
    other.status = "open"
    db.session.commit()
    return issue_codes(db.session(), other, 1)[0]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", MISSING),
        ("   ", MISSING),
        ("hello", REFUSED),
        ("KKKK-KKKK", REFUSED),
        ("theirs", REFUSED),
        ("used", REFUSED),
    ],
)
def test_bad_codes_are_refused_with_a_clear_message(app: Flask, coded: Programme, typed: str, message: str) -> None:
    (code,) = issue_codes(db.session(), coded, 1)
    if typed == "theirs":
        typed = _other_programmes_code(coded)
    if typed == "used":
        forms = trainee(app)
        assert (
            fill_in(forms, read_page(forms.client.get(f"/c/{code}", follow_redirects=True)), coded).response.status_code
            == 303
        )
        typed = code
    response = trainee(app).client.post("/s/niamey", data={"code": typed})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert 'name="code"' in html


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Counts the database statements run while the block runs (in ``[0]``)."""
    count = [0]

    def one(*_args: Any) -> None:
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", one)
    try:
        yield count
    finally:
        event.remove(db.engine, "before_cursor_execute", one)


def test_a_used_code_and_an_unknown_code_get_the_same_answer(app: Flask, coded: Programme) -> None:
    """Typing or scanning codes tells nothing of which exist or were used: the same
    status, the same page word for word (but for the code typed, shown back), and
    as many database statements, for a used code and one never issued."""
    used, _spare = (format_code(c) for c in issue_codes(db.session(), coded, 2))
    forms = trainee(app)
    assert (
        fill_in(forms, read_page(forms.client.post("/s/niamey", data={"code": used})), coded).response.status_code
        == 303
    )
    unknown = "KKKK-KKKK"

    def typed(code: str) -> tuple[int, str, int]:
        client = trainee(app).client
        client.get("/s/niamey")  # the code page first, as a phone would: its cookie is set
        with counting_statements() as statements:
            answer = client.post("/s/niamey", data={"code": code})
        html = re.sub(r'name="csrf_token" value="[^"]*"', "", answer.get_data(as_text=True)).replace(code, "CODE")
        return answer.status_code, html, statements[0]

    def scanned(code: str) -> tuple[int, str, int]:
        client = trainee(app).client
        with counting_statements() as statements:
            answer = client.get(f"/c/{code}")
        return answer.status_code, answer.get_data(as_text=True), statements[0]

    assert typed(used)[0] == 422
    assert REFUSED in typed(used)[1]
    assert typed(used) == typed(unknown)
    assert scanned(used)[0] == 404
    assert scanned(used) == scanned(unknown)


def test_the_code_page_is_one_field_easy_to_type_on_a_phone(app: Flask, coded: Programme) -> None:
    page = trainee(app).open("niamey")
    assert page.response.status_code == 200
    assert page.names == ["code"]
    field = re.search(r'<input type="text" id="code"[^>]*>', page.html, re.S)
    assert field is not None
    for attribute in ('autocomplete="off"', 'inputmode="text"', 'autocapitalize="characters"', 'spellcheck="false"'):
        assert attribute in field.group(0)
    assert "survey-form" not in page.html  # no question before the code


def test_a_short_link_leads_to_the_right_programme_and_an_unknown_one_to_404(app: Flask, coded: Programme) -> None:
    (code,) = issue_codes(db.session(), coded, 1)
    client = trainee(app).client
    # The form itself, not a redirect to an address that would carry the code on.
    page = read_page(client.get(f"/c/{format_code(code).lower()}"))
    assert page.response.status_code == 200
    assert "Location" not in page.response.headers
    assert page.response.headers["Referrer-Policy"] == "no-referrer"  # the next request does not carry it on
    assert page.hidden["access_code"] == code
    assert 'action="/s/niamey"' in page.html
    assert client.get("/c/KKKK-KKKK").status_code == 404


def test_a_code_in_the_address_is_not_taken(app: Flask, coded: Programme) -> None:
    """Only a posted code opens the form: one in the query string would be kept in
    histories and logs, so the code page is shown instead."""
    (code,) = issue_codes(db.session(), coded, 1)
    page = read_page(trainee(app).client.get("/s/niamey", query_string={"code": code}))
    assert page.response.status_code == 200
    assert page.names == ["code"]
    assert code not in page.html
    assert 'method="post"' in page.html


def test_in_link_mode_the_form_opens_without_a_code(app: Flask, programme: Programme) -> None:
    issue_codes(db.session(), programme, 3)
    page = trainee(app).open("niamey")
    assert page.response.status_code == 200
    assert "access_code" not in page.hidden
    assert "q__cq_relevance" in page.names


# --- organiser pages -----------------------------------------------------------------------


def test_codes_page_generates_codes_and_switches_the_mode(manager: FlaskClient, programme: Programme) -> None:
    page = read_page(manager.get("/o/niamey/codes"))
    assert page.response.status_code == 200
    assert page.values["count"] == ["29"]  # expected participants
    token = page.hidden["csrf_token"]
    done = manager.post("/o/niamey/codes", data={"csrf_token": token, "count": "12"}, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "12 codes generated." in html
    assert 'data-kpi="codes-issued">12<' in html
    assert programme.access_mode == "link"
    manager.post("/o/niamey/codes/mode", data={"csrf_token": token, "mode": "codes"})
    db.session.refresh(programme)
    assert programme.access_mode == "codes"
    manager.post("/o/niamey/codes/mode", data={"csrf_token": token, "mode": "link"})
    db.session.refresh(programme)
    assert programme.access_mode == "link"


@pytest.mark.parametrize("count", ["", "abc", "0", "501", "-3"])
def test_a_bad_number_of_codes_is_refused(manager: FlaskClient, programme: Programme, count: str) -> None:
    response = manager.post("/o/niamey/codes", data={"csrf_token": csrf(manager, "/o/niamey/codes"), "count": count})
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert code_counts(db.session(), programme).issued == 0


def test_an_unknown_access_mode_is_refused(manager: FlaskClient, programme: Programme) -> None:
    response = manager.post("/o/niamey/codes/mode", data={"csrf_token": csrf(manager), "mode": "open-bar"})
    assert response.status_code == 422
    db.session.refresh(programme)
    assert programme.access_mode == "link"


def test_codes_mode_without_codes_warns_the_organiser(manager: FlaskClient, coded: Programme) -> None:
    assert "no unused code is left" in manager.get("/o/niamey/codes").get_data(as_text=True)


def test_cards_carry_the_code_its_short_link_and_a_qr_code(manager: FlaskClient, coded: Programme) -> None:
    issued = [format_code(c) for c in issue_codes(db.session(), coded, 11)]
    html = manager.get("/o/niamey/codes/cards").get_data(as_text=True)
    cards = re.findall(r'<li class="code-card" data-code="([^"]+)">(.*?)</li>', html, re.S)
    assert sorted(code for code, _ in cards) == sorted(issued)
    for code, card in cards:
        assert f'<p class="code-card__code" dir="ltr">{code}</p>' in card
        assert f"localhost/c/{code}" in card
        assert '<svg viewBox="0 0 ' in card
        assert f"<title>http://localhost/c/{code}</title>" in card
        assert "Formation de spécialistes" in card
    assert '<ul class="code-cards" lang="fr" dir="ltr">' in html  # the trainees' language
    assert "style=" not in html  # the strict CSP holds


def test_used_codes_leave_the_cards_k_at_a_time(app: Flask, manager: FlaskClient, coded: Programme) -> None:
    """A used code is not printed again once k codes were used since the last batch;
    before, the cards would tell which code went with the response that just arrived."""
    k = group_size_of(coded)
    issued = [format_code(code) for code in issue_codes(db.session(), coded, k + 1)]

    def printed() -> list[str]:
        return re.findall(r'data-code="([^"]+)"', manager.get("/o/niamey/codes/cards").get_data(as_text=True))

    for number, code in enumerate(issued[:k]):
        assert sorted(printed()) == sorted(issued), number
        forms = trainee(app)
        assert fill_in(forms, read_page(forms.client.get(f"/c/{code}")), coded).response.status_code == 303
        assert code_counts(db.session(), coded).used == number + 1  # the count is told at once
    assert printed() == [issued[k]]


def test_poster_shows_the_form_link_and_qr_code_in_the_programme_language(
    manager: FlaskClient, programme: Programme
) -> None:
    response = manager.get("/o/niamey/poster")  # the organiser reads English
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in html
    assert "<title>http://localhost/s/niamey</title>" in html
    assert '<p class="poster-sheet__link" dir="ltr">localhost/s/niamey</p>' in html
    assert "style=" not in html


CODE_PAGES = ["/o/niamey/codes", "/o/niamey/codes/cards", "/o/niamey/poster"]
CODE_ACTIONS = [("/o/niamey/codes", {"count": "3"}), ("/o/niamey/codes/mode", {"mode": "codes"})]


@pytest.mark.parametrize("path", CODE_PAGES)
def test_code_pages_need_sign_in(client: FlaskClient, programme: Programme, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("role", "status"), [(Role.EVALUATOR, 403), (Role.ORGANISER, 403)])
def test_code_pages_are_for_managers_of_the_programme(
    client: FlaskClient, programme: Programme, role: Role, status: int
) -> None:
    """An evaluator granted the programme reads it but changes nothing (403);
    an organiser of another programme does not even learn it exists (404)."""
    user = create_user(db.session(), "someone@example.org", "some-password", role)
    if role is Role.EVALUATOR:
        access.grant(db.session(), user, programme)
    else:
        status = 404
    db.session.commit()
    login(client, "someone@example.org", "some-password")
    token = csrf(client)
    for path in CODE_PAGES:
        assert client.get(path).status_code == status, path
    for path, data in CODE_ACTIONS:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == status, path
    assert code_counts(db.session(), programme).issued == 0
    db.session.refresh(programme)
    assert programme.access_mode == "link"


def test_an_admin_manages_codes_without_a_grant(client: FlaskClient, programme: Programme) -> None:
    create_user(db.session(), "admin@example.org", "admin-password", Role.ADMIN)
    db.session.commit()
    login(client, "admin@example.org", "admin-password")
    for path in CODE_PAGES:
        assert client.get(path).status_code == 200, path
    data: dict[str, Any] = {"csrf_token": csrf(client), "count": "2"}
    assert client.post("/o/niamey/codes", data=data).status_code == 303
    assert code_counts(db.session(), programme).issued == 2
