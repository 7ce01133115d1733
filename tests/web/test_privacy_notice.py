"""The privacy notice: written by the organiser per language, shown on the form's
first page (and the paper form) in the trainee's language, with how long the
answers are kept, from the retention period."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import Programme
from survey.services.kiosks import add_kiosk_device
from tests.helpers import FormClient, full_answers
from tests.web.test_programme_management import (  # noqa: F401 (fixtures)
    default_questionnaire,
    granted,
    post,
    settings_form,
    signed_in,
    stored,
)

FR = "Responsable : Centre de formation de Niamey. But : améliorer la formation. Contact : dpo@example.org"
AR = "المسؤول: مركز التدريب في نيامي. الغرض: تحسين التدريب. للتواصل: dpo@example.org"


def _with_notice(programme: Programme) -> None:
    programme.privacy_notice = {"fr": FR, "ar": AR}
    programme.ends_on = date(2026, 12, 10)
    programme.retention_days = 365
    db.session.commit()


def test_the_notice_is_on_the_first_page_in_french_and_arabic(forms: FormClient, programme: Programme) -> None:
    _with_notice(programme)
    french = forms.client.get("/s/niamey?lang=fr").get_data(as_text=True)
    assert FR in french
    assert "Vos réponses sont conservées jusqu’au 10 déc. 2027, puis effacées." in french
    arabic = forms.client.get("/s/niamey?lang=ar").get_data(as_text=True)
    assert AR in arabic
    assert FR not in arabic
    assert "تُحفظ إجاباتك حتى" in arabic
    # Only the first page carries it.
    first = forms.open("niamey")
    second = forms.post("niamey", first, full_answers(programme)[0])
    assert "data-privacy-notice" not in second.html


def test_a_language_without_its_own_notice_shows_the_default_ones(forms: FormClient, programme: Programme) -> None:
    _with_notice(programme)
    english = forms.client.get("/s/niamey?lang=en").get_data(as_text=True)
    assert FR in english
    assert "Your answers are kept until Dec 10, 2027, then erased." in english


def test_without_a_retention_period_the_form_says_the_answers_are_kept_until_erased(
    forms: FormClient, programme: Programme
) -> None:
    french = forms.client.get("/s/niamey?lang=fr").get_data(as_text=True)
    assert "Vos réponses sont conservées jusqu’à ce que les organisateurs les effacent." in french


def test_the_kiosk_shows_it_too(app: Flask, client: FlaskClient, programme: Programme) -> None:
    _with_notice(programme)
    device = add_kiosk_device(db.session(), programme, "Tablet")
    assert AR in client.get(f"/k/niamey/{device.token}?lang=ar").get_data(as_text=True)


def test_the_organiser_writes_it_per_language_and_sets_the_retention(
    client: FlaskClient,
    signed_in: str,  # noqa: F811
    granted: Programme,  # noqa: F811
) -> None:
    data = settings_form(client, "niamey")
    data.update(privacy_fr=FR, privacy_ar=AR, privacy_en="", retention_days="90")
    assert post(client, "/o/niamey/settings", signed_in, data).status_code in (302, 303)
    saved = stored("niamey")
    assert saved is not None
    assert saved.privacy_notice == {"fr": FR, "ar": AR}
    assert saved.retention_days == 90
    refused = post(client, "/o/niamey/settings", signed_in, {**data, "retention_days": "0"})
    assert refused.status_code == 422


def test_the_paper_form_carries_the_notice(client: FlaskClient, signed_in: str, granted: Programme) -> None:  # noqa: F811
    _with_notice(granted)
    paper = client.get("/o/niamey/paper.html?language=ar&first=1&copies=1").get_data(as_text=True)
    assert AR in paper
