"""With JavaScript the phone turns the pages itself and sends the whole form in
one POST (``whole=1``): everything posted counts, every page is checked, and a
problem on any page comes back on that page with every answer kept."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from survey.extensions import db
from survey.forms.trainee import CARRY_SALT
from survey.models import Programme, Response
from tests.helpers import FormClient, Page, full_answers, read_page
from tests.web.test_trainee_form import answers_of, stored_responses


def send_whole(client: FlaskClient, page: Page, pages: list[dict[str, Any]], **extra: str) -> Page:
    """What form.js sends: the hidden fields, every page's answers, whole=1."""
    data: dict[str, Any] = {**page.hidden, "whole": "1", "action": "send", "page": str(len(pages) - 1)}
    for answers in pages:
        data.update({k: v for k, v in answers.items() if v is not None})
    data.update(extra)
    return read_page(client.post("/s/niamey", data=data))


def shown_page(html: str) -> list[str]:
    return re.findall(r'data-form-page="(\d)">', html)


def test_the_page_holds_every_page_and_shows_only_the_first(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    assert shown_page(page.html) == ["0"]  # the only page without the hidden attribute
    assert page.html.count("data-form-page=") == 3
    assert "q__cq_relevance" in page.names
    assert "q__ba_knowledge__before" not in page.names  # on page 3, hidden...
    assert 'name="q__ba_knowledge__before"' in page.html  # ...but there for the phone to show


def test_one_post_stores_every_answer_of_every_page(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    sent = send_whole(client, forms.open("niamey"), full_answers(programme))
    assert sent.response.status_code == 303
    assert "Merci" in client.get(sent.response.headers["Location"]).get_data(as_text=True)
    response = db.session.scalars(select(Response)).one()
    answers = answers_of(response)
    assert answers["cq_relevance"] == 5
    assert answers["recommend"] == 9
    assert answers["helpful_formats:case_studies"] == 1
    assert answers["ba_methods:after"] == 5
    assert answers[f"session_usefulness:{programme.sessions[0].id}"] == 4


def test_a_missing_answer_on_page_two_comes_back_on_page_two_with_everything_kept(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    pages = full_answers(programme)
    del pages[1]["q__pi_intention"]
    sent = send_whole(client, forms.open("niamey"), pages)
    assert sent.response.status_code == 422
    assert sent.hidden["page"] == "1"
    assert shown_page(sent.html) == ["1"]
    assert 'id="err-q__pi_intention"' in sent.html
    # Answers of all three pages are still filled in.
    assert sent.values["q__cq_relevance"] == ["5"]
    assert sent.values["q__recommend"] == ["9"]
    assert sent.values["q__ba_methods__after"] == ["5"]
    assert stored_responses() == 0
    pages[1]["q__pi_intention"] = "4"
    again = send_whole(client, sent, pages)
    assert again.response.status_code == 303
    assert stored_responses() == 1


def test_a_whole_form_sent_twice_is_stored_once(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    first = send_whole(client, page, full_answers(programme))
    second = send_whole(client, page, full_answers(programme))
    assert first.response.status_code == second.response.status_code == 303
    assert stored_responses() == 1


def test_a_whole_form_without_its_csrf_token_stores_nothing_and_keeps_the_answers(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    page = forms.open("niamey")
    del page.hidden["csrf_token"]
    sent = send_whole(client, page, full_answers(programme))
    assert sent.response.status_code == 422
    assert sent.values["q__ba_knowledge__after"] == ["4"]
    assert sent.hidden["csrf_token"]
    assert stored_responses() == 0


def test_a_whole_form_with_a_forged_question_stores_nothing(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    sent = send_whole(client, forms.open("niamey"), full_answers(programme), q__salary="9")
    assert sent.response.status_code == 422
    assert "pas dans ce questionnaire" in sent.html or "not in this questionnaire" in sent.html
    assert stored_responses() == 0


def carried(app: Flask, page: Page) -> dict[str, list[str]]:
    """The answers a page carries, signed, for the pages it does not hold."""
    loaded: dict[str, list[str]] = URLSafeSerializer(app.config["SECRET_KEY"], salt=CARRY_SALT).loads(
        page.hidden["carry"]
    )
    return loaded


def test_without_javascript_answers_to_other_pages_come_only_from_the_signed_carry(
    app: Flask, forms: FormClient, programme: Programme
) -> None:
    pages = full_answers(programme)
    page = forms.open("niamey")
    # A page-1 POST (no whole=1) that also claims an answer of page 2: ignored.
    second = forms.post("niamey", page, {**pages[0], "q__pi_awareness": "1"})
    assert second.hidden["page"] == "1"
    assert "q__pi_awareness" not in second.values
    assert "q__pi_awareness" not in carried(app, second)
    assert carried(app, second)["q__cq_relevance"] == ["5"]
