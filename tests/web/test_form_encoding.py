"""A form body that is not all UTF-8 (a keyboard or proxy sending Latin-1, a corrupted
upload) costs the trainee only the answer that could not be read: that answer comes back
marked, as far as it could be read, every other answer is kept, and nothing is stored."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Programme, Response
from survey.web.form_body import decode_form
from tests.helpers import FormClient, full_answers

COMMENT = "q__comment_useful"


def whole_form_body(forms: FormClient, programme: Programme, comment: bytes) -> bytes:
    """The whole form as the phone's script sends it, with ``comment`` as raw body bytes."""
    page = forms.open("niamey")
    pages = full_answers(programme)
    data = {**page.hidden, "whole": "1", "action": "send", "page": str(len(pages) - 1)}
    for answers in pages:
        data.update({k: v for k, v in answers.items() if v is not None and k != COMMENT})
    return urlencode(data, doseq=True).encode() + b"&" + COMMENT.encode() + b"=" + comment


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


def textarea(html: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>([^<]*)</textarea>', html)
    assert found, name
    return found.group(1)


@pytest.mark.parametrize(
    ("comment", "shown"),
    [
        (b"Tr\xe8s bien", "Tr\ufffds bien"),  # a raw Latin-1 byte
        (b"Tr%E8s+bien", "Tr\ufffds bien"),  # a percent-escape of one
        (b"Bien%FF%FE", "Bien\ufffd\ufffd"),
        (b"Bien%00", "Bien\ufffd"),  # no keyboard types a NUL; PostgreSQL refuses one
    ],
)
def test_an_answer_that_is_not_utf8_comes_back_marked_with_every_other_answer_kept(
    client: FlaskClient, forms: FormClient, programme: Programme, comment: bytes, shown: str
) -> None:
    reply = client.post(
        "/s/niamey",
        data=whole_form_body(forms, programme, comment),
        content_type="application/x-www-form-urlencoded",
    )
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert stored() == 0
    assert textarea(html, COMMENT) == shown
    assert "Certains caractères de cette réponse n’ont pas pu être lus" in html
    assert "Votre session avait expiré" not in html
    # Every other answer is still there, on its page: a radio answer and a comment of page 3.
    assert re.search(r'name="q__cq_relevance" value="5"[^>]*checked', html)
    assert 'name="q__ba_methods__after" value="5" checked' in html or re.search(
        r'name="q__ba_methods__after" value="5"[^>]*checked', html
    )


def test_once_corrected_the_form_is_stored_once(client: FlaskClient, forms: FormClient, programme: Programme) -> None:
    body = whole_form_body(forms, programme, b"Tr\xe8s bien")
    assert client.post("/s/niamey", data=body, content_type="application/x-www-form-urlencoded").status_code == 422
    fixed = body.replace(b"Tr\xe8s", "Très".encode())
    reply = client.post("/s/niamey", data=fixed, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 303
    assert stored() == 1


def test_each_field_is_decoded_on_its_own() -> None:
    form = decode_form(b"a=Tr%C3%A8s&b=Tr%E8s&c=x+y&c=%2B&d&=e&&f=%ZZ&g=%00")
    assert form.getlist("a") == ["Très"]
    assert form.getlist("b") == ["Tr\ufffds"]
    assert form.getlist("c") == ["x y", "+"]
    assert form.getlist("d") == [""]
    assert form.getlist("") == ["e"]
    assert form.getlist("f") == ["%ZZ"]
    assert form.getlist("g") == ["\ufffd"]
    assert form.unreadable == frozenset({"b", "g"})


def test_a_sign_in_that_is_not_utf8_is_a_wrong_sign_in(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert token
    body = f"csrf_token={token.group(1)}&email=organiser%FF%40example.org&password=%E8".encode()
    reply = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert reply.status_code in {400, 401, 422}
    assert 'name="email"' in reply.get_data(as_text=True)


def test_a_csrf_token_with_other_letters_is_an_expired_session_not_an_error(
    client: FlaskClient, forms: FormClient, programme: Programme
) -> None:
    body = whole_form_body(forms, programme, b"Bien")
    body = re.sub(rb"csrf_token=[^&]*", b"csrf_token=%C3%A9t%C3%A9", body)
    reply = client.post("/s/niamey", data=body, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 422
    assert "Votre session avait expiré" in reply.get_data(as_text=True)
    assert stored() == 0
