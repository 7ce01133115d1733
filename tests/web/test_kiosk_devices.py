"""Kiosk devices: named, listed, revocable, revoked when the programme closes; in
"codes" mode the kiosk asks each trainee for a code; a link that does not admit
answers one calm page and never stores; the closing time ends links as the
close button does."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import AccessCode, AccessMode, KioskDevice, Programme, Response
from survey.services import programmes
from survey.services.codes import issue_codes, set_access_mode
from survey.services.kiosks import add_kiosk_device, revoke_kiosk_device
from survey.services.programmes import ProgrammeSettings, SessionSpec
from tests.helpers import full_answers, read_page
from tests.web.test_classroom_kit import kiosk_post, kiosk_submit, kiosk_url, manager  # noqa: F401 (fixture)

#: The calm page, in the programme's first language (French).
ENDED = "Ce lien de borne n’ouvre pas l’évaluation"
ENDED_AR = "رابط الجهاز المشترك هذا لا يفتح التقييم"


def _responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


def test_kiosk_in_codes_mode_asks_each_trainee_for_a_code(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    first, second = issue_codes(db.session(), programme, 2)
    url = kiosk_url(app, programme)
    start = client.get(url)
    assert start.status_code == 200
    assert 'name="code"' in start.get_data(as_text=True)
    assert 'method="post"' in start.get_data(as_text=True)  # the code never goes in the address
    # Without a code, nothing is stored, however the form is posted.
    _seen, refused = kiosk_submit(client, url, full_answers(programme))
    assert refused.status_code == 422
    assert _responses() == 0
    # A code lets one trainee in; it travels in a hidden field and is used up with the response.
    opened = read_page(client.post(url, data={"code": first.lower()}))
    assert opened.response.status_code == 200
    assert opened.hidden["access_code"] == first
    response = None
    page = opened
    for index, answers in enumerate(full_answers(programme)):
        action = "send" if index == len(full_answers(programme)) - 1 else "next"
        response = kiosk_post(client, url, page, answers, action)
        if response.status_code == 200:
            page = read_page(response)
    assert response is not None
    assert response.status_code == 303
    assert db.session.scalars(select(Response.source)).all() == ["kiosk"]
    used = {row.code: row.used for row in db.session.execute(select(AccessCode.code, AccessCode.used))}
    assert used == {first: True, second: False}


def test_kiosk_refuses_unknown_used_and_malformed_codes_alike(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    set_access_mode(db.session(), programme, AccessMode.CODES)
    [code] = issue_codes(db.session(), programme, 1)
    url = kiosk_url(app, programme)
    client.post(url, data={"code": code})
    page = read_page(client.post(url, data={"code": code}))
    for answers in full_answers(programme)[:-1]:
        page = read_page(kiosk_post(client, url, page, answers, "next"))
    assert kiosk_post(client, url, page, full_answers(programme)[-1], "send").status_code == 303
    bodies = set()
    for typed in (code, "ZZZZ-ZZZZ", "not a code!", "3" * 40):  # used, unknown, malformed, too long
        answer = client.post(url, data={"code": typed})
        assert answer.status_code == 422
        html = answer.get_data(as_text=True)
        assert "Ce code ne peut pas être utilisé ici" in html
        bodies.add(re.sub(r'name="csrf_token" value="[^"]*"', "", html))
    assert len(bodies) == 1  # word for word the same page
    assert _responses() == 1


def test_organiser_names_lists_and_revokes_devices(app: Flask, manager: FlaskClient, programme: Programme) -> None:  # noqa: F811
    kit = read_page(manager.get("/o/niamey/kit"))
    added = manager.post(
        "/o/niamey/kiosks", data={"csrf_token": kit.hidden["csrf_token"], "name": "Tablet at the back"}
    )
    assert added.status_code == 303
    html = manager.get("/o/niamey/kit").get_data(as_text=True)
    assert "Tablet at the back" in html
    link = re.search(r'href="http://localhost(/k/niamey/[^"]+)" dir="ltr" data-kiosk-link', html)
    assert link is not None
    device = db.session.scalars(select(KioskDevice)).one()
    revoked = manager.post(f"/o/niamey/kiosks/{device.id}/revoke", data={"csrf_token": kit.hidden["csrf_token"]})
    assert revoked.status_code == 303
    html = manager.get("/o/niamey/kit").get_data(as_text=True)
    assert "data-kiosk-link" not in html
    assert "Revoked" in html
    db.session.expire_all()
    assert db.session.get(KioskDevice, device.id).revoked_at is not None  # type: ignore[union-attr]


def test_a_revoked_link_answers_the_calm_page_and_never_stores(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    device = add_kiosk_device(db.session(), programme, "Tablet")
    url = f"/k/niamey/{device.token}"
    page = read_page(client.get(url))  # the form was open on the tablet when the organiser revoked it
    revoke_kiosk_device(db.session(), programme, device.id)
    data: dict[str, object] = dict(page.hidden)
    for answers in full_answers(programme):
        data.update(answers)
    data["action"] = "send"
    refused = client.post(url, data=data)
    assert refused.status_code == 404
    assert ENDED in refused.get_data(as_text=True)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/done").status_code == 404
    assert _responses() == 0


def test_closing_revokes_every_kiosk_and_reopening_does_not_bring_them_back(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    url = kiosk_url(app, programme)
    page = read_page(client.get(url))
    programmes.close_programme(db.session(), programme)
    programmes.reopen_programme(db.session(), programme)
    data: dict[str, object] = dict(page.hidden)
    for answers in full_answers(programme):
        data.update(answers)
    data["action"] = "send"
    assert client.post(url, data=data).status_code == 404
    assert ENDED in client.get(url).get_data(as_text=True)
    assert _responses() == 0
    # A new device works.
    _seen, done = kiosk_submit(client, kiosk_url(app, programme, "New tablet"), full_answers(programme))
    assert done.status_code == 303
    assert _responses() == 1


def test_unknown_revoked_and_other_programmes_tokens_get_the_same_page_in_the_trainees_language(
    app: Flask, client: FlaskClient, programme: Programme
) -> None:
    revoked = add_kiosk_device(db.session(), programme, "Old")
    revoke_kiosk_device(db.session(), programme, revoked.id)
    other = programmes.create_programme(
        db.session(), slug="dakar", title="Dakar", questionnaire=programme.questionnaire
    )
    other.status = "open"
    db.session.commit()
    dakar = add_kiosk_device(db.session(), other, "Dakar tablet")
    bodies = set()
    for token in ("nonsense", revoked.token, dakar.token, "x" * 200, "%00"):
        answer = client.get(f"/k/niamey/{token}", headers={"Accept-Language": "ar"})
        assert answer.status_code == 404
        bodies.add(answer.get_data(as_text=True))
    [body] = bodies
    assert 'lang="ar"' in body
    assert ENDED_AR in body
    assert _responses() == 0


def test_the_closing_time_ends_every_kiosk_and_a_later_closing_time_does_not_bring_them_back(
    app: Flask,
    manager: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    """Closed by its closing time rather than by the button, a programme ends its
    kiosk links just the same: moving the closing time on reopens the form, not them."""
    tablet = app.test_client()
    url = kiosk_url(app, programme)
    page = read_page(tablet.get(url))  # the form was open on the tablet
    device = db.session.scalars(select(KioskDevice)).one()
    now = datetime.now(UTC)
    closed_at = now - timedelta(hours=1)
    device.created_at = now - timedelta(hours=2)
    programme.closes_at = closed_at
    db.session.commit()
    assert tablet.get(url).status_code == 410  # closed, as every link of the programme
    kit = manager.get("/o/niamey/kit").get_data(as_text=True)
    assert "data-kiosk-link" not in kit
    assert "Revoked" in kit

    later = ProgrammeSettings(
        slug=programme.slug,
        title=programme.title,
        questionnaire_id=programme.questionnaire_id,
        timezone=programme.timezone,
        languages=tuple(programme.languages),
        sessions=tuple(SessionSpec(s.day, s.title, s.trainer, s.kind) for s in programme.sessions),
        minimum_group_size=programme.minimum_group_size,
        closes_at=now + timedelta(days=1),
    )
    programmes.update_programme(db.session(), programme, later)
    assert app.test_client().get("/s/niamey").status_code == 200  # the form takes answers again
    data: dict[str, object] = dict(page.hidden)
    for answers in full_answers(programme):
        data.update(answers)
    data["action"] = "send"
    refused = tablet.post(url, data=data)
    assert refused.status_code == 404
    assert ENDED in refused.get_data(as_text=True)
    assert ENDED in tablet.get(url).get_data(as_text=True)
    assert _responses() == 0
    db.session.expire_all()
    assert db.session.get(KioskDevice, device.id).revoked_at == closed_at  # type: ignore[union-attr]
    # A device added since works.
    _seen, done = kiosk_submit(tablet, kiosk_url(app, programme, "New tablet"), full_answers(programme))
    assert done.status_code == 303
    assert _responses() == 1
