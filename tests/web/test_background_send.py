"""The form as static/js/form.js sends it (in the background, asking for JSON),
and a receipt that names no response."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Programme, Response
from survey.web.trainee import RECEIPT_COOKIE
from tests.helpers import FormClient, full_answers

JSON = {"Accept": "application/json"}
RECEIPT = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


def whole_form(forms: FormClient, programme: Programme) -> dict[str, Any]:
    """What form.js posts: every page's answers at once, marked whole."""
    page = forms.open("niamey")
    data: dict[str, Any] = dict(page.hidden)
    for answers in full_answers(programme):
        data.update({name: value for name, value in answers.items() if value})
    data.update(whole="1", action="send", page="2")
    return data


def stored() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Response)) or 0)


def receipt_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{RECEIPT_COOKIE}=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return str(cookies[0])


def test_a_background_send_gets_its_receipt_in_json(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    data = whole_form(forms, programme)
    sent = client.post("/s/niamey", data=data, headers=JSON)
    assert sent.status_code == 200
    body = sent.get_json()
    assert body["status"] == "stored"
    assert body["duplicate"] is False
    assert RECEIPT.fullmatch(body["receipt"])
    assert body["url"] == "/s/niamey/done"
    assert "Path=/s/niamey/done" in receipt_cookie(sent)
    assert "HttpOnly" in receipt_cookie(sent)
    # The receipt page shows the number the phone was given.
    done = client.get(body["url"])
    assert done.status_code == 200
    assert body["receipt"] in done.get_data(as_text=True)

    # The same form again (its answer was lost on the way): stored once, and said so.
    again = client.post("/s/niamey", data=data, headers=JSON).get_json()
    assert again["status"] == "stored"
    assert again["duplicate"] is True
    assert stored() == 1
    assert "already received" in client.get(again["url"], headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_receipt_names_no_response(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    """Nothing in the receipt's URL, its page or its cookie derives from the
    stored response (issue 14): two sends of the same form get different numbers."""
    data = whole_form(forms, programme)
    plain = client.post("/s/niamey", data=data)
    assert plain.status_code == 303
    assert plain.headers["Location"] == "/s/niamey/done"  # no query: nothing for an access log to keep
    response = db.session.scalars(select(Response)).one()
    page = client.get("/s/niamey/done").get_data(as_text=True)
    number = RECEIPT.search(page)
    assert number is not None
    for identifier in (response.id.hex, str(response.id), response.idempotency_key):
        assert identifier not in page
        assert identifier not in receipt_cookie(plain)
    repeat = client.post("/s/niamey", data=data)
    assert receipt_cookie(repeat) != receipt_cookie(plain)


def test_the_receipt_page_needs_the_cookie_of_a_send(client: FlaskClient, programme: Programme) -> None:
    assert client.get("/s/niamey/done").status_code == 404
    client.set_cookie(RECEIPT_COOKIE, "forged", path="/s/niamey/done")
    assert client.get("/s/niamey/done").status_code == 404


def test_a_stale_form_cookie_gets_a_fresh_token_and_keeps_the_answers(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    data = whole_form(forms, programme)
    client.delete_cookie("form_guard")  # a browser restarted since the form was opened
    refused = client.post("/s/niamey", data=data, headers=JSON)
    assert refused.status_code == 403
    token = refused.get_json()["token"]
    assert token
    assert token != data["csrf_token"]
    assert stored() == 0
    sent = client.post("/s/niamey", data={**data, "csrf_token": token}, headers=JSON)
    assert sent.get_json()["status"] == "stored"
    assert stored() == 1


def test_a_closed_programme_says_so_in_json(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    from survey.services.programmes import close_programme

    data = whole_form(forms, programme)
    close_programme(db.session(), programme)
    refused = client.post("/s/niamey", data=data, headers={**JSON, "Accept-Language": "en"})
    assert refused.status_code == 410
    assert "no longer accepts answers" in refused.get_json()["message"]
    assert stored() == 0


def test_the_service_worker_may_take_the_form_s_scope(client: FlaskClient, programme: Programme) -> None:
    html = client.get("/s/niamey").get_data(as_text=True)
    assert 'data-offline-worker="/s/niamey/offline.js"' in html
    worker = client.get("/s/niamey/offline.js")
    assert worker.status_code == 200
    assert worker.mimetype in {"text/javascript", "application/javascript"}
    assert worker.headers["Service-Worker-Allowed"] == "/s/niamey"
    assert "no-cache" in worker.headers["Cache-Control"]
    worker.close()
