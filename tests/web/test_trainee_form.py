"""The trainee's path: open the link, fill three pages, send, get a receipt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from survey.extensions import db
from survey.models import Answer, Programme, Question, Response
from tests.helpers import FormClient, full_answers, read_page, submit_all


def stored_responses() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Response)) or 0)


def answers_of(response: Response) -> dict[str, Any]:
    rows = db.session.execute(
        select(Question.code, Answer.item, Answer.number, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.response_id == response.id)
    )
    return {
        (code + (":" + item if item else "")): (number if number is not None else text)
        for code, item, number, text in rows
    }


def test_form_opens_in_french_by_default(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    assert page.response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in page.html
    assert "Évaluation de fin de programme" in page.html
    assert "Le contenu était pertinent pour mon travail." in page.html
    assert "Page 1 sur 3" in page.html or "Page 1 of 3" in page.html
    assert page.hidden["csrf_token"]
    assert len(page.hidden["idem"]) == 32


def test_arabic_is_right_to_left_and_remembered(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    response = client.get("/s/niamey?lang=ar")
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert "كان المحتوى وثيق الصلة بعملي." in html
    assert any(c.startswith("lang=ar;") for c in response.headers.getlist("Set-Cookie"))
    again = forms.open("niamey")  # no ?lang: the cookie decides
    assert '<html lang="ar" dir="rtl">' in again.html


def test_browser_language_is_used_when_offered(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en" dir="ltr">' in page.html
    assert "The content was relevant to my job." in page.html


def test_language_not_offered_falls_back_to_programme_default(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey", **{"Accept-Language": "de-DE"})
    assert '<html lang="fr"' in page.html


def test_full_submission_stores_one_response_with_every_answer(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    pages = full_answers(programme)
    last = submit_all(forms, "niamey", pages)
    assert last.response.status_code == 303
    receipt = client.get(last.response.headers["Location"])
    assert "Merci" in receipt.get_data(as_text=True)
    assert stored_responses() == 1
    response = db.session.scalars(select(Response)).one()
    assert response.language == "fr"
    assert response.source == "web"
    answers = answers_of(response)
    assert answers["cq_relevance"] == 5
    assert answers["recommend"] == 9
    assert answers["attended_before"] == "no"
    assert answers["helpful_formats:workshops"] == 1
    assert answers["helpful_formats:case_studies"] == 1
    assert "helpful_formats:lectures" not in answers
    assert answers["ba_methods:before"] == 2
    assert answers["ba_methods:after"] == 5
    assert answers["comment_useful"] == "Les études de cas"
    assert "comment_improve" not in answers  # left empty: no row
    first_session = programme.sessions[0].id
    assert answers[f"session_usefulness:{first_session}"] == 4


def test_stored_text_and_time_read_back_exactly_as_sent(forms: FormClient, programme: Programme) -> None:
    # On SQLite the values are converted for the driver before the write (survey.services.responses);
    # what an evaluator reads back must be what the trainee typed, at the time it was sent.
    typed = "Très utile — مفيد جدًا 👍\nDes « guillemets », 'apostrophes' et \"quotes\"; DROP TABLE answers; --"
    pages = full_answers(programme, {"q__comment_useful": typed, "q__comment_improve": "ok"})
    before = datetime.now(UTC)
    assert submit_all(forms, "niamey", pages).response.status_code == 303
    after = datetime.now(UTC)
    db.session.expire_all()
    response = db.session.scalars(select(Response)).one()
    assert before <= response.submitted_at <= after
    assert response.submitted_at.tzinfo is not None
    assert response.excluded is False
    assert response.paper_number is None
    answers = answers_of(response)
    assert answers["comment_useful"] == typed
    assert answers["comment_improve"] == "ok"
    assert answers["ba_methods:after"] == 5
    assert answers["helpful_formats:workshops"] == 1


@pytest.mark.parametrize("lang", ["fr", "ar", "en"])
def test_submission_in_each_language_records_the_language(
    client: FlaskClient, forms: FormClient, programme: Programme, lang: str
) -> None:
    client.get(f"/s/niamey?lang={lang}")
    last = submit_all(forms, "niamey", full_answers(programme))
    assert last.response.status_code == 303
    thanks = client.get(last.response.headers["Location"]).get_data(as_text=True)
    assert {"fr": "Merci", "ar": "شكرًا", "en": "Thank you"}[lang] in thanks
    assert db.session.scalars(select(Response.language)).one() == lang


def test_resent_post_stores_one_response_and_says_so(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    pages = full_answers(programme)
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    page = forms.post("niamey", page, pages[1])
    first = forms.post("niamey", page, pages[2], action="send")
    second = forms.post("niamey", page, pages[2], action="send")  # the double tap
    assert first.response.status_code == second.response.status_code == 303
    assert stored_responses() == 1
    repeat = client.get(second.response.headers["Location"]).get_data(as_text=True)
    assert "une seule fois" in repeat or "stored once" in repeat


def test_missing_required_answer_is_explained_beside_the_question_and_input_kept(
    forms: FormClient, programme: Programme
) -> None:
    answers = full_answers(programme)[0]
    del answers["q__cq_depth"]
    page = forms.open("niamey")
    again = forms.post("niamey", page, answers)
    assert again.response.status_code == 422
    assert again.hidden["page"] == "0"
    html = again.html
    assert 'id="err-q__cq_depth"' in html
    assert "Veuillez répondre à cette question." in html or "Please answer this question." in html
    assert again.values["q__cq_relevance"] == ["5"]  # what was typed is still there
    assert again.hidden["idem"] == page.hidden["idem"]
    assert stored_responses() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("q__cq_relevance", "7"), ("q__cq_relevance", "abc"), ("q__cq_relevance", "-1"), ("q__cq_clarity", "4.5")],
)
def test_out_of_range_or_wrong_type_is_refused_with_the_allowed_range(
    forms: FormClient, programme: Programme, field: str, value: str
) -> None:
    page = forms.open("niamey")
    again = forms.post("niamey", page, {**full_answers(programme)[0], field: value})
    assert again.response.status_code == 422
    message = re.search(rf'<p class="field-error" id="err-{field}">([^<]*)</p>', again.html)
    assert message is not None
    assert re.search(r"\b1\b.*\b5\b", message.group(1)), message.group(1)  # the message states the allowed range
    assert stored_responses() == 0


def test_unknown_option_in_choice_question_is_refused(forms: FormClient, programme: Programme) -> None:
    pages = full_answers(programme, {"q__attended_before": "maybe"})
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    again = forms.post("niamey", page, pages[1])
    assert again.response.status_code == 422
    assert 'id="err-q__attended_before"' in again.html


def test_over_long_comment_states_the_limit_and_keeps_the_text(forms: FormClient, programme: Programme) -> None:
    long_text = "x" * 2001
    pages = full_answers(programme, {"q__comment_useful": long_text})
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    again = forms.post("niamey", page, pages[1])
    assert again.response.status_code == 422
    message = re.search(r'<p class="field-error" id="err-q__comment_useful">([^<]*)</p>', again.html)
    assert message is not None
    assert "2000" in message.group(1)
    assert "2001" in message.group(1)
    assert long_text in again.html


def test_forged_question_code_is_reported_and_nothing_stored(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    pages = full_answers(programme)
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    page = forms.post("niamey", page, pages[1])
    forged = forms.post("niamey", page, {**pages[2], "q__salary": "9"}, action="send")
    assert forged.response.status_code == 422
    assert "pas dans ce questionnaire" in forged.html or "not in this questionnaire" in forged.html
    assert stored_responses() == 0


def test_tampered_carry_is_not_trusted(forms: FormClient, programme: Programme) -> None:
    pages = full_answers(programme)
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    page.hidden["carry"] = page.hidden["carry"][:-3] + "abc"
    again = forms.post("niamey", page, pages[1])
    assert again.response.status_code == 422
    assert stored_responses() == 0


def test_body_over_the_size_limit_gets_413(client: FlaskClient, programme: Programme) -> None:
    response = client.post("/s/niamey", data={"q__comment_useful": "x" * 300_000})
    assert response.status_code == 413
    assert "trop" in response.get_data(as_text=True).lower() or "larger" in response.get_data(as_text=True)


def test_missing_csrf_token_keeps_answers_and_stores_nothing(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    del page.hidden["csrf_token"]
    again = forms.post("niamey", page, full_answers(programme)[0])
    assert again.response.status_code == 422
    assert again.values["q__cq_relevance"] == ["5"]
    assert again.hidden["csrf_token"]  # a fresh token to send again with
    assert stored_responses() == 0


def test_previous_page_keeps_answers_of_both_pages(forms: FormClient, programme: Programme) -> None:
    pages = full_answers(programme)
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    back = forms.post("niamey", page, {"q__pi_awareness": "2"}, action="back")
    assert back.hidden["page"] == "0"
    assert back.values["q__cq_relevance"] == ["5"]
    forward = forms.post("niamey", back, {})
    assert forward.values["q__pi_awareness"] == ["2"]


def test_language_switch_mid_form_keeps_answers(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    switched = forms.post("niamey", page, {"q__cq_relevance": "4"}, switch_lang="ar")
    assert switched.response.status_code == 200
    assert 'dir="rtl"' in switched.html
    assert switched.values["q__cq_relevance"] == ["4"]


def test_unknown_programme_is_404_in_plain_words(client: FlaskClient, app: Flask) -> None:
    response = client.get("/s/nowhere")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_draft_programme_takes_no_answers_and_says_not_open_yet(client: FlaskClient, programme: Programme) -> None:
    programme.status = "draft"
    db.session.commit()
    response = client.get("/s/niamey")
    assert response.status_code == 403
    assert "pas encore ouverte" in response.get_data(as_text=True)
    assert 'name="q__' not in response.get_data(as_text=True)


def test_closed_programme_answers_410_in_the_trainees_language(client: FlaskClient, programme: Programme) -> None:
    programme.status = "closed"
    db.session.commit()
    response = client.get("/s/niamey?lang=ar")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert 'dir="rtl"' in html
    assert "مغلق" in html


def test_submit_after_closing_stores_nothing(forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    programme.status = "closed"
    db.session.commit()
    again = forms.post("niamey", page, full_answers(programme)[0])
    assert again.response.status_code == 410
    assert stored_responses() == 0


def test_receipt_link_cannot_be_forged(client: FlaskClient, programme: Programme) -> None:
    assert client.get("/s/niamey/done").status_code == 404


def test_pages_forbid_inline_scripts(client: FlaskClient, programme: Programme) -> None:
    response = client.get("/s/niamey")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in response.get_data(as_text=True)
    assert read_page(response).hidden  # still a working form


def test_form_opens_and_closes_by_itself_with_its_window(client: FlaskClient, programme: Programme) -> None:
    now = datetime.now(UTC)
    programme.opens_at = now + timedelta(hours=1)
    db.session.commit()
    assert client.get("/s/niamey").status_code == 403  # not open yet
    programme.opens_at = now - timedelta(hours=1)
    programme.closes_at = now + timedelta(hours=1)
    db.session.commit()
    assert client.get("/s/niamey").status_code == 200
    programme.closes_at = now - timedelta(minutes=1)
    db.session.commit()
    assert client.get("/s/niamey").status_code == 410


def test_a_resent_form_is_answered_without_a_database_error(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    # A double tap is routine on mobile data: PostgreSQL logs every failed statement, so a
    # re-sent form must not fail on the unique key and be caught, it must insert nothing.
    errors: list[str] = []
    engine = db.session.get_bind().engine

    def seen(context: Any) -> None:
        errors.append(str(context.original_exception))

    pages = full_answers(programme)
    page = forms.open("niamey")
    page = forms.post("niamey", page, pages[0])
    page = forms.post("niamey", page, pages[1])
    event.listen(engine, "handle_error", seen)
    try:
        first = forms.post("niamey", page, pages[2], action="send")
        second = forms.post("niamey", page, pages[2], action="send")
    finally:
        event.remove(engine, "handle_error", seen)
    assert first.response.status_code == second.response.status_code == 303
    assert stored_responses() == 1
    assert errors == []
