"""Error pages say what happened in words; the status code stays small."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from survey.services.answer_checks import AnswerRefused


def test_an_unknown_address_says_so_in_words_with_the_code_small(client: FlaskClient) -> None:
    page = client.get("/no-such-page", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    assert "Page introuvable" in html
    assert '<p class="status">' in html
    assert html.index("<h1>") < html.index('<p class="status">'), "the words come before the code"


def test_an_answer_refused_past_a_form_is_bad_input_in_the_visitors_language(app: Flask) -> None:
    """A view whose form missed a case lets the service's AnswerRefused through: the
    visitor gets a 422 in their language saying nothing was saved, never a 500."""
    with app.test_request_context("/", headers={"Accept-Language": "ar"}):
        response = app.make_response(app.handle_user_exception(AnswerRefused("overall", "", 9)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'dir="rtl"' in html
    assert "nothing was saved" not in html  # said in Arabic, not in English
    assert "لم يُحفظ" in html or "لم يتم حفظ" in html
