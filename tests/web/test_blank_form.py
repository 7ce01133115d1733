"""Opening the link: every trainee gets the same blank form (rendered once per
programme and language), but with a key and a CSRF token of their own, and an
organiser's change shows at once."""

from __future__ import annotations

import gzip
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Programme, ProgrammeSession, Response
from tests.helpers import FormClient, full_answers, read_page
from tests.web.test_form_in_one_post import send_whole


def without_tokens(html: str) -> str:
    return re.sub(r'name="(csrf_token|idem)" type="hidden" value="[^"]*"', "", html)


def test_each_trainee_gets_their_own_key_and_token(app: Flask, programme: Programme) -> None:
    first = FormClient(app.test_client()).open("niamey")
    second = FormClient(app.test_client()).open("niamey")
    assert first.hidden["idem"] != second.hidden["idem"]
    assert re.fullmatch(r"[0-9a-f]{32}", first.hidden["idem"])
    assert first.hidden["csrf_token"] != second.hidden["csrf_token"]
    assert without_tokens(first.html) == without_tokens(second.html)
    assert first.hidden["idem"] not in second.html


def test_both_trainees_can_send_with_what_they_were_given(app: Flask, programme: Programme) -> None:
    answers = full_answers(programme)
    clients = [app.test_client(), app.test_client()]
    pages = [FormClient(c).open("niamey") for c in clients]
    for c, page in zip(clients, pages, strict=True):
        assert send_whole(c, page, answers).response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2


def test_a_token_from_another_trainee_is_refused(app: Flask, programme: Programme) -> None:
    mine, theirs = app.test_client(), app.test_client()
    FormClient(mine).open("niamey")
    their_page = FormClient(theirs).open("niamey")
    refused = send_whole(mine, their_page, full_answers(programme))
    assert refused.response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_an_organisers_change_shows_on_the_next_opening(forms: FormClient, programme: Programme) -> None:
    before = forms.open("niamey")
    assert "Formation de spécialistes" in before.html
    programme.title = "Atelier de Niamey"
    programme.sessions.append(ProgrammeSession(day=5, position=9, title="Visite de terrain", trainer=""))
    db.session.commit()
    after = forms.open("niamey")
    assert "Atelier de Niamey" in after.html
    assert "Formation de spécialistes" not in after.html
    assert "Visite de terrain" in after.html


def test_each_language_has_its_own_page(client: FlaskClient, programme: Programme) -> None:
    french = read_page(client.get("/s/niamey?lang=fr"))
    arabic = read_page(client.get("/s/niamey?lang=ar"))
    assert '<html lang="fr" dir="ltr">' in french.html
    assert '<html lang="ar" dir="rtl">' in arabic.html
    assert "كان المحتوى وثيق الصلة بعملي." in arabic.html


def test_the_compressed_page_is_the_same_page(client: FlaskClient, programme: Programme) -> None:
    """The blank form is gzipped from a kept start and a per-trainee end: once
    unpacked it must be exactly the page sent to a browser that takes no gzip."""
    plain = client.get("/s/niamey", headers={"Accept-Encoding": "identity"})
    packed = client.get("/s/niamey", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    unpacked = gzip.decompress(packed.get_data()).decode()
    assert without_tokens(unpacked) == without_tokens(plain.get_data(as_text=True))
    assert unpacked.rstrip().endswith("</html>")
    idem = re.search(r'name="idem" type="hidden" value="([0-9a-f]{32})"', unpacked)
    assert idem is not None
    assert idem.group(1) not in plain.get_data(as_text=True)
    assert len(packed.get_data()) < len(plain.get_data()) / 3
