"""CSRF protection of the trainee and kiosk forms: a signed double-submit cookie
(survey.web.form_guard). A send is stored only from the browser the page was
given to; any other send keeps the answers and asks to send again."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from survey.models import Programme
from survey.web.form_guard import COOKIE_NAME
from tests.helpers import FormClient, full_answers, read_page
from tests.web.test_classroom_kit import kiosk_post, kiosk_url
from tests.web.test_form_in_one_post import send_whole
from tests.web.test_trainee_form import stored_responses

EXPIRED = "Votre session avait expiré"


def guard_cookie(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE_NAME)
    return cookie.value if cookie else None


def test_the_form_gives_the_browser_a_private_cookie_and_no_session(client: FlaskClient, programme: Programme) -> None:
    response = client.get("/s/niamey")
    set_cookies = response.headers.getlist("Set-Cookie")
    guard = [c for c in set_cookies if c.startswith(f"{COOKIE_NAME}=")]
    assert len(guard) == 1
    assert "HttpOnly" in guard[0]
    assert "SameSite=Lax" in guard[0]
    assert "Max-Age" not in guard[0]  # gone when the browser closes, like a session
    assert not [c for c in set_cookies if c.startswith("session=")]  # no server session for a trainee


def test_the_cookie_is_kept_from_page_to_page(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    first = guard_cookie(client)
    second = forms.post("niamey", page, full_answers(programme)[0])
    assert second.response.status_code == 200
    assert second.hidden["page"] == "1"
    assert guard_cookie(client) == first
    assert COOKIE_NAME not in second.response.headers.get("Set-Cookie", "")


def test_a_send_without_the_cookie_stores_nothing_keeps_the_answers_and_works_when_sent_again(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    page = forms.open("niamey")
    client.delete_cookie(COOKIE_NAME)  # the browser was closed and reopened on the same page
    sent = send_whole(client, page, full_answers(programme))
    assert sent.response.status_code == 422
    assert EXPIRED in sent.html
    assert sent.values["q__recommend"] == ["9"]
    assert stored_responses() == 0
    again = send_whole(client, sent, full_answers(programme))
    assert again.response.status_code == 303
    assert stored_responses() == 1


def test_a_token_from_another_browser_is_refused(app: Flask, programme: Programme) -> None:
    attacker, victim = app.test_client(), app.test_client()
    attackers_page = FormClient(attacker).open("niamey")
    FormClient(victim).open("niamey")  # the victim has a cookie of their own
    sent = send_whole(victim, attackers_page, full_answers(programme))
    assert sent.response.status_code == 422
    assert EXPIRED in sent.html
    assert stored_responses() == 0


def test_a_made_up_token_or_cookie_is_refused(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    page = forms.open("niamey")
    page.hidden["csrf_token"] = "0" * 64
    assert send_whole(client, page, full_answers(programme)).response.status_code == 422
    client.set_cookie(COOKIE_NAME, "not-a-value-we-make")
    fresh = forms.open("niamey")
    assert guard_cookie(client) != "not-a-value-we-make"  # replaced by a well-formed one
    assert send_whole(client, fresh, full_answers(programme)).response.status_code == 303
    assert stored_responses() == 1


def test_the_kiosk_form_is_guarded_the_same_way(app: Flask, client: FlaskClient, programme: Programme) -> None:
    url = kiosk_url(app, programme)
    page = read_page(client.get(url))
    assert page.hidden["csrf_token"]
    client.delete_cookie(COOKIE_NAME)
    refused = read_page(kiosk_post(client, url, page, full_answers(programme)[0], "next"))
    assert refused.response.status_code == 422
    assert EXPIRED in refused.html
