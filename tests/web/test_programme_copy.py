"""Each worker keeps a copy of a programme for its trainee pages (survey.services.published).

What an organiser changes must still reach the very next trainee: the copy is
checked against the programme's revision on every request, and the revision
goes up with every change to the programme or its sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from survey.extensions import db
from survey.models import AccessMode, Programme, ProgrammeSession, ProgrammeStatus
from survey.services.published import published_programme
from tests.helpers import FormClient, full_answers
from tests.web.test_form_in_one_post import send_whole


def stored_revision(programme: Programme) -> int:
    return db.session.scalar(select(Programme.revision).where(Programme.id == programme.id)) or 0


def test_the_revision_counts_changes_to_the_programme_and_its_sessions(programme: Programme) -> None:
    seen = [stored_revision(programme)]
    programme.location = "Zinder"
    db.session.commit()
    seen.append(stored_revision(programme))
    programme.sessions[0].title = "Ouverture"
    db.session.commit()
    seen.append(stored_revision(programme))
    db.session.add(ProgrammeSession(programme_id=programme.id, day=4, position=5, title="Terrain"))
    db.session.commit()
    seen.append(stored_revision(programme))
    db.session.delete(programme.sessions[1])
    db.session.commit()
    seen.append(stored_revision(programme))
    assert seen == sorted(set(seen)), seen  # five readings, each higher than the last


def test_reading_the_programme_changes_nothing(forms: FormClient, programme: Programme) -> None:
    before = stored_revision(programme)
    forms.open("niamey")
    forms.open("niamey?lang=ar")
    assert stored_revision(programme) == before


def test_an_unchanged_programme_is_the_same_copy(forms: FormClient, programme: Programme) -> None:
    first = published_programme(db.session(), "niamey")
    forms.open("niamey")
    assert published_programme(db.session(), "niamey") is first
    programme.title = "Autre titre"
    db.session.commit()
    again = published_programme(db.session(), "niamey")
    assert again is not first
    assert again.title == "Autre titre"


def test_a_renamed_or_removed_session_leaves_the_form_at_once(forms: FormClient, programme: Programme) -> None:
    first, second = (str(escape(s.title)) for s in programme.sessions[:2])
    page = forms.open("niamey")
    assert first in page.html
    assert second in page.html
    programme.sessions[0].title = "Séance renommée"
    db.session.delete(programme.sessions[1])
    db.session.commit()
    page = forms.open("niamey")
    assert "Séance renommée" in page.html
    assert first not in page.html
    assert second not in page.html


def test_closing_reaches_a_trainee_who_already_has_the_form(client: FlaskClient, programme: Programme) -> None:
    page = FormClient(client).open("niamey")
    programme.status = ProgrammeStatus.CLOSED.value
    db.session.commit()
    sent = send_whole(client, page, full_answers(programme))
    assert sent.response.status_code == 410
    assert client.get("/s/niamey").status_code == 410


def test_a_closing_time_set_later_is_obeyed(client: FlaskClient, programme: Programme) -> None:
    assert client.get("/s/niamey").status_code == 200
    programme.closes_at = datetime.now(UTC) - timedelta(minutes=1)
    programme.opens_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert client.get("/s/niamey").status_code == 410


def test_switching_to_codes_asks_the_next_trainee_for_a_code(client: FlaskClient, programme: Programme) -> None:
    assert 'name="q__' in client.get("/s/niamey").get_data(as_text=True)
    programme.access_mode = AccessMode.CODES.value
    db.session.commit()
    page = client.get("/s/niamey").get_data(as_text=True)
    assert 'name="code"' in page
    assert 'name="q__' not in page
