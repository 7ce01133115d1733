"""Without JavaScript each page is a round trip: the answer to a page holds the
next page only (a browser without JavaScript can show no other), the answers
of the other pages travel signed in the carry, and "Send" stores them all.
With JavaScript the form is sent whole, and comes back whole."""

from __future__ import annotations

import gzip
import re

from flask import Flask
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessMode, Programme, Response
from survey.services.codes import issue_codes, set_access_mode
from tests.helpers import FormClient, Page, full_answers, read_page
from tests.web.test_form_in_one_post import carried, send_whole, shown_page
from tests.web.test_trainee_form import answers_of


def pages_in(page: Page) -> list[str]:
    return re.findall(r'data-form-page="(\d)"', page.html)


def without_hidden_fields(html: str) -> str:
    return re.sub(r'<input id="\w+" name="\w+" type="hidden" value="[^"]*">', "", html)


def test_a_page_sent_alone_is_answered_with_the_next_page_only(
    app: Flask, forms: FormClient, programme: Programme
) -> None:
    pages = full_answers(programme)
    second = forms.post("niamey", forms.open("niamey"), pages[0])
    assert second.response.status_code == 200
    assert pages_in(second) == ["1"]
    assert shown_page(second.html) == ["1"]
    assert "data-single-page" in second.html
    assert "q__pi_awareness" in second.names
    assert 'name="q__cq_relevance"' not in second.html
    assert carried(app, second)["q__cq_relevance"] == ["5"]
    # The pages it does not hold still have their buttons: back to page 1, on to page 3.
    assert 'name="action" value="back"' in second.html
    assert 'name="action" value="next"' in second.html
    third = forms.post("niamey", second, pages[1])
    assert pages_in(third) == ["2"]
    assert 'name="action" value="send"' in third.html
    assert carried(app, third)["q__recommend"] == ["9"]
    assert carried(app, third)["q__cq_relevance"] == ["5"]


def test_a_paged_walk_stores_the_answers_of_every_page(forms: FormClient, programme: Programme) -> None:
    pages = full_answers(programme)
    page = forms.open("niamey")
    for answers in pages[:-1]:
        page = forms.post("niamey", page, answers)
    assert pages_in(page) == ["2"]
    sent = forms.post("niamey", page, pages[-1], action="send")
    assert sent.response.status_code == 303
    answers = answers_of(db.session.scalars(select(Response)).one())
    assert answers["cq_relevance"] == 5
    assert answers["recommend"] == 9
    assert answers["ba_methods:after"] == 5


def test_the_next_page_is_the_same_for_every_trainee_but_its_hidden_fields(app: Flask, programme: Programme) -> None:
    pages = full_answers(programme)
    seen = []
    for relevance in ("5", "2"):
        forms = FormClient(app.test_client())
        seen.append(forms.post("niamey", forms.open("niamey"), {**pages[0], "q__cq_relevance": relevance}))
    first, second = seen
    assert first.hidden["carry"] != second.hidden["carry"]
    assert first.hidden["idem"] != second.hidden["idem"]
    assert without_hidden_fields(first.html) == without_hidden_fields(second.html)
    # Compressed, it is the same page.
    client = app.test_client()
    forms = FormClient(client)
    page = forms.open("niamey")
    data = {**page.hidden, **pages[0], "action": "next"}
    packed = client.post("/s/niamey", data=data, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    unpacked = gzip.decompress(packed.get_data()).decode()
    assert without_hidden_fields(unpacked) == without_hidden_fields(first.html)
    assert unpacked.rstrip().endswith("</html>")


def test_a_page_shown_again_holds_what_was_typed_on_it(forms: FormClient, programme: Programme) -> None:
    pages = full_answers(programme)
    second = forms.post("niamey", forms.open("niamey"), pages[0])
    third = forms.post("niamey", second, pages[1])
    back = forms.post("niamey", third, {"q__ba_methods__after": "3"}, action="back")
    assert pages_in(back) == ["1"]
    assert back.values["q__recommend"] == ["9"]
    assert back.values["q__comment_useful"] == ["Les études de cas"]
    forward = forms.post("niamey", back, {})
    assert pages_in(forward) == ["2"]
    assert forward.values["q__ba_methods__after"] == ["3"]


def test_a_language_switch_on_page_two_keeps_every_answer(forms: FormClient, programme: Programme) -> None:
    pages = full_answers(programme)
    second = forms.post("niamey", forms.open("niamey"), pages[0])
    switched = forms.post("niamey", second, {"q__recommend": "7"}, switch_lang="ar")
    assert switched.response.status_code == 200
    assert '<html lang="ar" dir="rtl">' in switched.html
    assert pages_in(switched) == ["1"]
    assert switched.values["q__recommend"] == ["7"]
    third = forms.post("niamey", switched, {**pages[1], "q__recommend": "7"})
    sent = forms.post("niamey", third, pages[2], action="send")
    assert sent.response.status_code == 303
    response = db.session.scalars(select(Response)).one()
    assert response.language == "ar"
    answers = answers_of(response)
    assert answers["cq_relevance"] == 5
    assert answers["recommend"] == 7


def test_an_error_on_a_page_sent_alone_comes_back_on_that_page_only(forms: FormClient, programme: Programme) -> None:
    answers = full_answers(programme)[0]
    del answers["q__cq_depth"]
    again = forms.post("niamey", forms.open("niamey"), answers)
    assert again.response.status_code == 422
    assert pages_in(again) == ["0"]
    assert 'id="err-q__cq_depth"' in again.html
    assert again.values["q__cq_relevance"] == ["5"]


def test_a_whole_form_comes_back_whole(app: Flask, forms: FormClient, programme: Programme) -> None:
    client = forms.client
    pages = full_answers(programme)
    del pages[1]["q__pi_intention"]
    refused = send_whole(client, forms.open("niamey"), pages)
    assert refused.response.status_code == 422
    assert pages_in(refused) == ["0", "1", "2"]
    assert "data-single-page" not in refused.html
    # A language switch with JavaScript on posts the whole form too: the phone keeps turning pages.
    switched = send_whole(client, refused, full_answers(programme), action="", switch_lang="en")
    assert switched.response.status_code == 200
    assert pages_in(switched) == ["0", "1", "2"]
    assert "data-single-page" not in switched.html
    assert switched.values["q__ba_methods__after"] == ["5"]


def test_in_codes_mode_each_page_carries_its_own_code(app: Flask, programme: Programme) -> None:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    codes = issue_codes(db.session(), programme, 2)
    pages = full_answers(programme)
    seen = []
    for code in codes:
        forms = FormClient(app.test_client())
        page = read_page(forms.client.post("/s/niamey", data={"code": code}))
        assert page.hidden["access_code"] == code
        seen.append(forms.post("niamey", page, pages[0]))
    first, second = seen
    assert [page.hidden["access_code"] for page in seen] == codes
    assert pages_in(first) == ["1"]
    assert without_hidden_fields(first.html) == without_hidden_fields(second.html)


def test_a_message_waiting_for_one_trainee_is_shown_to_them_only(app: Flask, programme: Programme) -> None:
    mine, theirs = app.test_client(), app.test_client()
    with mine.session_transaction() as session:
        session["_flashes"] = [("message", "Vous êtes déconnecté.")]
    assert "Vous êtes déconnecté." in FormClient(mine).open("niamey").html
    assert "Vous êtes déconnecté." not in FormClient(theirs).open("niamey").html
    assert "Vous êtes déconnecté." not in FormClient(mine).open("niamey").html
