"""Comments in the room: the dashboard and the projector show free text only a
batch of k authors at a time (and, while the programme is open, not the latest
batch), in no arrival order, without times, and without a language label where
fewer than k share it. docs/anonymity.md ("Another trainee in the room") names
these tests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from survey.extensions import db
from survey.models import Answer, Programme, User
from survey.services import access
from survey.services.anonymity import group_size_of
from tests.helpers import FormClient, full_answers, read_page, submit_all


@pytest.fixture
def signed_in(client: FlaskClient, programme: Programme, organiser: User) -> FlaskClient:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    page = read_page(client.get("/login"))
    data = {**page.hidden, "email": "org@example.org", "password": "correct horse"}
    assert client.post("/login", data=data).status_code == 302
    return client


def _write(app: Flask, programme: Programme, text: str, lang: str = "fr") -> None:
    """A trainee on a phone of their own, reading ``lang``, sends the form with ``text`` as a comment."""
    client = app.test_client()
    client.set_cookie("lang", lang)
    page = submit_all(FormClient(client), "niamey", full_answers(programme, {"q__comment_useful": text}))
    assert page.response.status_code == 303


def _comments(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/o/niamey/live.json?lang=en").get_json()["comments"]  # type: ignore[no-any-return]


def test_comments_show_only_for_whole_batches_of_k_in_no_arrival_order(
    app: Flask, signed_in: FlaskClient, programme: Programme
) -> None:
    k = group_size_of(programme)
    texts = [f"Comment number {n}" for n in range(3 * k)]
    for number, text in enumerate(texts[: 2 * k]):
        # Fewer than 2k wrote: nothing yet, the latest batch being held back while open.
        assert _comments(signed_in) == [], number
        _write(app, programme, text)
    shown = [c["text"] for c in _comments(signed_in)]
    assert sorted(shown) == sorted(texts[:k])
    # Ordered by the responses' random ids, never by when they came.
    by_id = db.session.execute(select(Answer.response_id, Answer.text).where(Answer.text.in_(texts[:k]))).all()
    assert shown == [text for _id, text in sorted(by_id)]
    for text in texts[2 * k : -1]:
        _write(app, programme, text)
        assert sorted(c["text"] for c in _comments(signed_in)) == sorted(texts[:k])  # the next batch waits
    _write(app, programme, texts[-1])
    assert sorted(c["text"] for c in _comments(signed_in)) == sorted(texts[: 2 * k])


def _later(app: Flask, programme: Programme, stage: str) -> None:
    """k more French comments, so that the batch before them shows (the latest is held back)."""
    for number in range(group_size_of(programme)):
        _write(app, programme, f"Plus tard {stage} {number}", "fr")


def test_comments_carry_no_time_and_no_label_of_a_language_fewer_than_k_share(
    app: Flask, signed_in: FlaskClient, programme: Programme
) -> None:
    k = group_size_of(programme)
    for number in range(k - 1):
        _write(app, programme, f"Commentaire {number}", "fr")
    _write(app, programme, "تعليق واحد", "ar")
    _later(app, programme, "a")
    comments = _comments(signed_in)
    assert len(comments) == k
    assert {c["language"] for c in comments if c["text"] == "تعليق واحد"} == {""}
    # k - 1 French authors: fewer than k, so French is not named either.
    assert {c["language"] for c in comments} == {""}
    assert all(set(c) == {"question", "question_text", "language", "text"} for c in comments)
    for view in ("/o/niamey?lang=en", "/o/niamey?lang=en&view=projector"):
        html = signed_in.get(view).get_data(as_text=True)
        listed = re.search(r'<ol class="comment-list" id="comment-list">(.*?)</ol>', html, re.S)
        assert listed is not None
        assert "تعليق واحد" in listed.group(1)
        assert "<time" not in listed.group(1)
        assert 'class="badge"' not in listed.group(1)
        assert 'lang="ar"' not in listed.group(1)
    # Once k write in French, French is still not named: with Arabic alone hidden, every
    # comment not marked French would be Arabic, so French is suppressed with it
    # (complementary suppression, reports/disclosure.py).
    for number in range(k):
        _write(app, programme, f"Encore {number}", "fr")
    comments = _comments(signed_in)
    assert {c["language"] for c in comments} == {""}
    assert not [c for c in comments if c["text"].startswith("Encore")], "the latest batch is held back"
    # Once k write in Arabic too, both are named.
    for number in range(k):
        _write(app, programme, f"تعليق {number}", "ar")
    _later(app, programme, "b")
    comments = _comments(signed_in)
    assert {c["language"] for c in comments if c["text"].startswith(("Commentaire", "Encore"))} <= {"fr"}
    assert {c["language"] for c in comments if c["text"].startswith("تعليق")} <= {"ar"}
    assert {c["language"] for c in comments} == {"fr", "ar"}
