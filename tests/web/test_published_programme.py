"""Each worker keeps a copy of a programme for its trainee pages (survey.services.published).

What an organiser changes must still reach the very next trainee of their own
worker at once, and of other workers within SURVEY_PUBLISHED_PROGRAMME_SECONDS; a
response is never stored on the strength of an out-of-date copy. The revision
goes up with every change to the programme or its sessions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import delete, select, update

from survey.extensions import db
from survey.models import AccessMode, Programme, ProgrammeSession, ProgrammeStatus
from survey.services import published
from survey.services.published import published_programme
from tests.helpers import FormClient, full_answers
from tests.web.test_form_in_one_post import send_whole
from tests.web.test_trainee_form import stored_responses


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


# Another worker's change: made in SQL, as this worker's ORM hooks never see it.
def change_elsewhere(programme: Programme, **values: object) -> None:
    table = Programme.__table__
    db.session.execute(update(table).where(table.c.id == programme.id).values(revision=table.c.revision + 1, **values))
    db.session.commit()


def remove_session_elsewhere(programme: Programme, session_id: int) -> None:
    db.session.execute(delete(ProgrammeSession.__table__).where(ProgrammeSession.__table__.c.id == session_id))
    change_elsewhere(programme)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The copies' clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(published, "_clock", lambda: now[0])
    return now


def test_another_workers_change_shows_once_the_copy_time_is_over(
    app: Flask, client: FlaskClient, programme: Programme, clock: list[float]
) -> None:
    assert "Formation de spécialistes" in client.get("/s/niamey").get_data(as_text=True)
    change_elsewhere(programme, title="Titre changé ailleurs")
    clock[0] += app.config["PUBLISHED_PROGRAMME_SECONDS"]
    assert "Titre changé ailleurs" in client.get("/s/niamey").get_data(as_text=True)


def test_with_no_copy_time_every_page_asks_the_database(
    app: Flask, client: FlaskClient, programme: Programme, clock: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUBLISHED_PROGRAMME_SECONDS", 0.0)
    assert client.get("/s/niamey").status_code == 200
    change_elsewhere(programme, status=ProgrammeStatus.CLOSED.value)
    assert client.get("/s/niamey").status_code == 410


def test_a_send_after_another_worker_closed_is_refused_and_stores_nothing(
    client: FlaskClient, programme: Programme, clock: list[float]
) -> None:
    page = FormClient(client).open("niamey")
    change_elsewhere(programme, status=ProgrammeStatus.CLOSED.value)
    sent = send_whole(client, page, full_answers(programme))
    assert sent.response.status_code == 410
    assert stored_responses() == 0


def test_a_send_naming_a_session_another_worker_removed_comes_back_with_the_answers_kept(
    client: FlaskClient, programme: Programme, clock: list[float]
) -> None:
    page = FormClient(client).open("niamey")
    answers = full_answers(programme)
    removed = programme.sessions[0].id
    remove_session_elsewhere(programme, removed)
    sent = send_whole(client, page, answers)
    assert sent.response.status_code == 422
    assert f"q__session_usefulness__{removed}" not in sent.html
    assert FORM_CHANGED in sent.html
    assert sent.values["q__recommend"] == ["9"]
    assert stored_responses() == 0
    # The trainee sends again from the page they were given, and it is stored.
    again = send_whole(client, sent, [{k: v for k, v in p.items() if str(removed) not in k} for p in answers])
    assert again.response.status_code == 303
    assert stored_responses() == 1


#: What a trainee reads when the form changed under them (in French, the demo's first language).
FORM_CHANGED = "Ce formulaire a changé pendant que vous le remplissiez"


def test_a_session_added_while_the_trainee_answered_is_asked_before_anything_is_stored(
    client: FlaskClient, programme: Programme, clock: list[float]
) -> None:
    """Every answer still fits, but the trainee never saw the new session's row:
    nothing is stored until they have seen the form as it is now."""
    page = FormClient(client).open("niamey")
    answers = full_answers(programme)
    sessions = ProgrammeSession.__table__
    db.session.execute(
        sessions.insert().values(programme_id=programme.id, day=5, position=9, title="Visite de terrain")
    )
    change_elsewhere(programme)
    added = db.session.scalar(select(ProgrammeSession.id).where(ProgrammeSession.title == "Visite de terrain"))
    sent = send_whole(client, page, answers)
    assert sent.response.status_code == 422
    assert FORM_CHANGED in sent.html
    assert "Visite de terrain" in sent.html
    assert f"q__session_usefulness__{added}" in sent.html
    for given in answers:
        for name, value in given.items():
            if value:  # an empty comment shows as nothing typed
                assert sent.values.get(name) == ([value] if isinstance(value, str) else value), name
    assert stored_responses() == 0
    again = send_whole(client, sent, [*answers, {f"q__session_usefulness__{added}": "4"}])
    assert again.response.status_code == 303
    assert stored_responses() == 1


def test_a_page_made_before_a_change_comes_back_without_javascript_too(
    app: Flask, client: FlaskClient, programme: Programme, clock: list[float]
) -> None:
    forms = FormClient(client)
    first = forms.open("niamey")
    remove_session_elsewhere(programme, programme.sessions[0].id)
    clock[0] += app.config["PUBLISHED_PROGRAMME_SECONDS"]  # this worker's copy is now out of date
    answered = forms.post("niamey", first, full_answers(programme)[0])
    assert answered.response.status_code == 422
    assert FORM_CHANGED in answered.html
    assert answered.hidden["page"] == "0"  # the first page again, with the answers it can still hold
    assert answered.values["q__cq_relevance"] == [full_answers(programme)[0]["q__cq_relevance"]]


def test_a_send_after_another_worker_reopened_is_stored_as_no_refusal_trusts_an_old_copy(
    client: FlaskClient, programme: Programme, clock: list[float]
) -> None:
    page = FormClient(client).open("niamey")
    programme.status = ProgrammeStatus.CLOSED.value
    db.session.commit()
    assert client.get("/s/niamey").status_code == 410  # this worker's copy now says closed
    change_elsewhere(programme, status=ProgrammeStatus.OPEN.value)
    sent = send_whole(client, page, full_answers(programme))
    assert sent.response.status_code == 303
    assert stored_responses() == 1
