"""Programme management as an organiser sees it: create, edit, open, close, archive, and bad input."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Programme, ProgrammeGrant, ProgrammeStatus, Questionnaire, Role, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.programmes import ProgrammeSettings, SlugTaken, add_programme
from survey.services.questionnaires import import_questionnaire
from survey.services.users import create_user
from tests.helpers import read_page

PASSWORD = "correct horse"


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    """Sign in; returns the CSRF token of the session, for the POSTs that follow."""
    page = read_page(client.get("/login"))
    response = client.post("/login", data={**page.hidden, "email": email, "password": password})
    assert response.status_code == 302
    return page.hidden["csrf_token"]


@pytest.fixture
def default_questionnaire(app: Flask) -> Questionnaire:
    questionnaire, _ = import_questionnaire(db.session(), load_definition(DEFAULT_QUESTIONNAIRE))
    db.session.commit()
    return questionnaire


@pytest.fixture
def signed_in(client: FlaskClient, organiser: User, default_questionnaire: Questionnaire) -> str:
    """An organiser signed in with the default questionnaire in the library; the CSRF token."""
    return login(client, "org@example.org")


@pytest.fixture
def granted(organiser: User, programme: Programme) -> Programme:
    access.grant(db.session(), organiser, programme)
    db.session.commit()
    return programme


def form_values(questionnaire: Questionnaire | None, /, **overrides: Any) -> dict[str, Any]:
    """A complete, valid settings form as a browser would send it."""
    values: dict[str, Any] = {
        "title": "Formation de spécialistes, Dakar",
        "slug": "dakar-2026",
        "series": "Réhabilitation 2026",
        "location": "Dakar",
        "country": "SN",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-05",
        "expected_participants": "29",
        "languages": ["fr", "ar"],
        "default_language": "ar",
        "timezone": "Africa/Niamey",
        "opens_at": "2026-12-05T15:00",
        "closes_at": "2026-12-05T17:30",
        "questionnaire": str(questionnaire.id) if questionnaire else None,
        "sessions": "1 | Méthodologies | A. Diallo | session\n\n2 | Études de cas | B. Sow | atelier\n3 | Synthèse",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def post(client: FlaskClient, url: str, token: str, data: dict[str, Any]) -> Any:
    return client.post(url, data={"csrf_token": token, **data})


def field_error(page_html: str, field_id: str) -> list[str]:
    return [
        html.unescape(m) for m in re.findall(rf'<p class="field-error" id="err-{field_id}[^"]*">(.*?)</p>', page_html)
    ]


def input_value(page_html: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page_html) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page_html
    )
    return html.unescape(match.group(1)) if match else None


def stored(slug: str) -> Programme | None:
    db.session.expire_all()
    return db.session.scalars(select(Programme).where(Programme.slug == slug)).first()


# --- who may do what ---------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, programme: Programme) -> None:
    for url in ("/o/new", "/o/niamey/settings"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_evaluators_cannot_create_edit_or_move_programmes(client: FlaskClient, programme: Programme) -> None:
    evaluator = create_user(db.session(), "eval@example.org", PASSWORD, Role.EVALUATOR)
    access.grant(db.session(), evaluator, programme)
    db.session.commit()
    token = login(client, "eval@example.org")
    assert client.get("/o/new").status_code == 403
    assert client.get("/o/niamey/settings").status_code == 403
    assert post(client, "/o/niamey/close", token, {}).status_code == 403
    assert stored("niamey").status == "open"
    assert "New programme" not in client.get("/o/?lang=en").get_data(as_text=True)


def test_organiser_without_grant_cannot_see_or_move_the_programme(
    client: FlaskClient, signed_in: str, programme: Programme
) -> None:
    assert client.get("/o/niamey/settings").status_code == 404
    assert post(client, "/o/niamey/close", signed_in, {}).status_code == 404
    assert stored("niamey").status == "open"


def test_posts_without_csrf_token_are_refused(client: FlaskClient, signed_in: str, granted: Programme) -> None:
    questionnaire = granted.questionnaire
    assert client.post("/o/new", data=form_values(questionnaire)).status_code == 400
    assert client.post("/o/niamey/close").status_code == 400
    assert stored("dakar-2026") is None
    assert stored("niamey").status == "open"


# --- creating ----------------------------------------------------------------


def test_organiser_creates_a_programme_and_is_granted_it(
    client: FlaskClient, signed_in: str, organiser: User, default_questionnaire: Questionnaire
) -> None:
    index = client.get("/o/?lang=en").get_data(as_text=True)
    assert 'href="/o/new"' in index
    assert 'href="/o/questionnaires"' in index
    form = read_page(client.get("/o/new?lang=en"))
    assert form.response.status_code == 200
    assert {"slug", "title", "timezone", "opens_at", "closes_at", "questionnaire", "sessions"} <= set(form.names)

    response = post(client, "/o/new", signed_in, form_values(default_questionnaire))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/o/dakar-2026/settings")

    programme = stored("dakar-2026")
    assert programme is not None
    assert programme.status == "draft"
    assert (programme.title, programme.location, programme.country) == (
        "Formation de spécialistes, Dakar",
        "Dakar",
        "SN",
    )
    assert (programme.starts_on, programme.ends_on) == (date(2026, 12, 1), date(2026, 12, 5))
    assert programme.expected_participants == 29
    assert programme.languages == ["ar", "fr"]  # the default language first
    assert programme.series == "Réhabilitation 2026"
    assert programme.timezone == "Africa/Niamey"
    # 15:00 in Niamey (UTC+1) is 14:00 UTC
    assert programme.opens_at == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)
    assert programme.closes_at == datetime(2026, 12, 5, 16, 30, tzinfo=UTC)
    assert programme.questionnaire_id == default_questionnaire.id
    assert [(s.day, s.title, s.trainer, s.kind) for s in programme.sessions] == [
        (1, "Méthodologies", "A. Diallo", "session"),
        (2, "Études de cas", "B. Sow", "workshop"),
        (3, "Synthèse", "", "session"),
    ]
    assert db.session.get(ProgrammeGrant, (organiser.id, programme.id)) is not None

    page = client.get("/o/dakar-2026/settings?lang=en").get_data(as_text=True)
    assert "Programme created as a draft" in page
    assert "Formation de spécialistes, Dakar" in client.get("/o/").get_data(as_text=True)
    # The form shows the times back in the programme's time zone.
    assert input_value(page, "opens_at") == "2026-12-05T15:00"
    assert input_value(page, "closes_at") == "2026-12-05T17:30"


def test_admin_creates_without_a_grant(client: FlaskClient, default_questionnaire: Questionnaire) -> None:
    create_user(db.session(), "admin@example.org", PASSWORD, Role.ADMIN)
    db.session.commit()
    token = login(client, "admin@example.org")
    assert post(client, "/o/new", token, form_values(default_questionnaire)).status_code == 303
    programme = stored("dakar-2026")
    assert programme is not None
    assert db.session.scalars(select(ProgrammeGrant).where(ProgrammeGrant.programme_id == programme.id)).all() == []


def test_new_programme_form_starts_with_sensible_defaults(client: FlaskClient, signed_in: str) -> None:
    page = client.get("/o/new?lang=en").get_data(as_text=True)
    # Empty: the country chosen gives it (below), rather than UTC an hour off in Niamey.
    assert input_value(page, "timezone") == ""
    assert "Left empty, the country's is used (Niger: Africa/Niamey)." in html.unescape(page)
    assert re.search(r'<option selected value="\d+">end_of_programme v1: End-of-programme evaluation \(latest\)', page)
    for code in ("fr", "en", "ar"):
        assert re.search(rf'<input checked[^>]*value="{code}"', page)
    assert '<option value="Africa/Niamey">' in page  # offered in the time zone list


@pytest.mark.parametrize(
    ("country", "typed", "zone", "opens_utc"),
    [
        ("NE", "", "Africa/Niamey", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),  # UTC+1
        ("ML", "", "Africa/Bamako", datetime(2026, 12, 5, 15, 0, tzinfo=UTC)),  # UTC
        ("TD", "", "Africa/Ndjamena", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),
        ("FR", "", "Europe/Paris", datetime(2026, 12, 5, 14, 0, tzinfo=UTC)),  # winter time
        ("NE", "UTC", "UTC", datetime(2026, 12, 5, 15, 0, tzinfo=UTC)),  # typed wins
        ("NE", "Asia/Riyadh", "Asia/Riyadh", datetime(2026, 12, 5, 12, 0, tzinfo=UTC)),
    ],
)
def test_an_empty_time_zone_is_the_countrys(
    client: FlaskClient,
    signed_in: str,
    default_questionnaire: Questionnaire,
    country: str,
    typed: str,
    zone: str,
    opens_utc: datetime,
) -> None:
    values = form_values(default_questionnaire, country=country, timezone=typed)
    assert post(client, "/o/new", signed_in, values).status_code == 303
    programme = stored("dakar-2026")
    assert programme is not None
    assert programme.timezone == zone
    assert programme.opens_at == opens_utc  # 15:00 on the room's clock


def test_an_empty_time_zone_without_a_known_country_is_asked_for(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    values = form_values(default_questionnaire, country="", timezone="")
    response = post(client, "/o/new?lang=en", signed_in, values)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "timezone") == ["Please give a time zone, e.g. Africa/Niamey."]
    assert stored("dakar-2026") is None


def test_slug_taken_is_refused_and_every_value_kept(
    client: FlaskClient, signed_in: str, programme: Programme, default_questionnaire: Questionnaire
) -> None:
    response = post(client, "/o/new?lang=en", signed_in, form_values(default_questionnaire, slug="niamey"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "slug") == ["This short name is taken; please choose another."]
    assert input_value(page, "slug") == "niamey"
    assert input_value(page, "title") == "Formation de spécialistes, Dakar"
    assert input_value(page, "expected_participants") == "29"
    assert "2 | Études de cas | B. Sow | atelier" in html.unescape(page)
    assert db.session.scalar(select(Programme.title).where(Programme.slug == "niamey")) == "Formation de spécialistes"


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Niamey 2026", "Use lowercase letters, digits and hyphens only, e.g. niamey-2026."),
        ("niamey_2026", "Use lowercase letters, digits and hyphens only, e.g. niamey-2026."),
        ("-niamey", "Use lowercase letters, digits and hyphens only, e.g. niamey-2026."),
        ("new", "This short name is reserved; please choose another."),
        ("questionnaires", "This short name is reserved; please choose another."),
        ("", "Please give a short name."),
    ],
)
def test_bad_short_names_are_explained(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire, slug: str, message: str
) -> None:
    response = post(client, "/o/new?lang=en", signed_in, form_values(default_questionnaire, slug=slug))
    assert response.status_code == 422
    assert message in field_error(response.get_data(as_text=True), "slug")


def test_short_name_is_lowercased(client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire) -> None:
    assert post(client, "/o/new", signed_in, form_values(default_questionnaire, slug=" Dakar-2026 ")).status_code == 303
    assert stored("dakar-2026") is not None


def test_every_bad_field_is_reported_beside_itself_with_the_typed_values_kept(
    client: FlaskClient, signed_in: str, programme: Programme
) -> None:
    data = form_values(
        programme.questionnaire,
        slug="niamey",
        starts_on="2026-12-05",
        ends_on="2026-12-01",
        opens_at="2026-12-05T17:00",
        closes_at="2026-12-05T09:00",
        expected_participants="twenty",
        timezone="Africa/Atlantis",
        languages=None,
    )
    response = post(client, "/o/new?lang=en", signed_in, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "ends_on") == ["The last day cannot be before the first day."]
    assert field_error(page, "closes_at") == ["The form must close after it opens."]
    assert field_error(page, "expected_participants") == ["Please enter a positive whole number, such as 29."]
    assert field_error(page, "timezone") == [
        'Unknown time zone "Africa/Atlantis": use a name like Africa/Niamey or Asia/Riyadh.'
    ]
    assert field_error(page, "languages") == ["Please offer at least one language."]
    assert field_error(page, "slug") == ["This short name is taken; please choose another."]
    assert "Please check the 6 fields marked below." in page
    assert input_value(page, "slug") == "niamey"
    assert input_value(page, "starts_on") == "2026-12-05"
    assert input_value(page, "ends_on") == "2026-12-01"
    assert input_value(page, "opens_at") == "2026-12-05T17:00"
    assert input_value(page, "closes_at") == "2026-12-05T09:00"
    assert input_value(page, "expected_participants") == "twenty"
    assert input_value(page, "timezone") == "Africa/Atlantis"
    assert 'aria-invalid="true"' in page
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 1


def test_a_short_name_taken_between_form_and_save_is_still_refused(
    app: Flask, programme: Programme, organiser: User
) -> None:
    settings = ProgrammeSettings(slug="niamey", title="Twice", questionnaire_id=programme.questionnaire_id)
    with pytest.raises(SlugTaken):
        add_programme(db.session(), organiser, settings)
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 1


@pytest.mark.parametrize("value", ["0", "-3", "2.5", "1e3", "100001"])
def test_expected_participants_must_be_a_positive_whole_number(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire, value: str
) -> None:
    response = post(
        client, "/o/new?lang=en", signed_in, form_values(default_questionnaire, expected_participants=value)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "expected_participants") == ["Please enter a positive whole number, such as 29."]
    assert input_value(page, "expected_participants") == value


def test_same_opening_and_closing_time_is_refused(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    data = form_values(default_questionnaire, opens_at="2026-12-05T15:00", closes_at="2026-12-05T15:00")
    response = post(client, "/o/new?lang=en", signed_in, data)
    assert field_error(response.get_data(as_text=True), "closes_at") == ["The form must close after it opens."]


def test_optional_fields_may_stay_empty(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    data = form_values(
        default_questionnaire,
        series="",
        location="",
        country="",
        starts_on="",
        ends_on="",
        expected_participants="",
        opens_at="",
        closes_at="",
        sessions="",
        timezone="Asia/Riyadh",
    )
    assert post(client, "/o/new", signed_in, data).status_code == 303
    programme = stored("dakar-2026")
    assert programme is not None
    assert programme.expected_participants is None
    assert (programme.opens_at, programme.closes_at, programme.starts_on) == (None, None, None)
    assert programme.sessions == []
    assert programme.timezone == "Asia/Riyadh"


def test_default_language_must_be_offered(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    data = form_values(default_questionnaire, languages=["fr", "en"], default_language="ar")
    response = post(client, "/o/new?lang=en", signed_in, data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "default_language") == [
        "The default language must be one of the languages offered."
    ]


def test_unknown_country_code_is_refused(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    response = post(client, "/o/new?lang=en", signed_in, form_values(default_questionnaire, country="XX"))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "country")


def test_session_lines_are_checked_one_by_one(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    sessions = "1 | Good line | Trainer\nday one | Opening\n2 |  | Nobody\n3 | Panel | X | lecture\njust a title"
    response = post(client, "/o/new?lang=en", signed_in, form_values(default_questionnaire, sessions=sessions))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert field_error(page, "sessions") == [
        'Line 2: the day must be a whole number from 1, not "day one".',
        "Line 3: the session needs a title.",
        'Line 4: the last part must be "session" or "workshop", not "lecture".',
        'Line 5: expected "day | title | trainer | session or workshop", separated by "|".',
    ]
    assert sessions in html.unescape(page)


def test_questionnaire_must_have_texts_in_every_offered_language(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    french_only = load_definition(DEFAULT_QUESTIONNAIRE)
    french_only = {**french_only, "code": "fr_only", "languages": ["fr"]}
    questionnaire, _ = import_questionnaire(db.session(), french_only)
    db.session.commit()
    data = form_values(default_questionnaire, questionnaire=str(questionnaire.id), languages=["fr", "ar"])
    response = post(client, "/o/new?lang=en", signed_in, data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "languages") == [
        "The chosen questionnaire has no texts in العربية."
    ]


def test_empty_library_asks_for_an_import_first(client: FlaskClient, organiser: User) -> None:
    token = login(client, "org@example.org")
    page = client.get("/o/new?lang=en").get_data(as_text=True)
    assert "Import a questionnaire first." in page
    data = form_values(None)
    response = post(client, "/o/new?lang=en", token, data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "questionnaire") == [
        "The library has no questionnaire yet: please import one first."
    ]


# --- editing -----------------------------------------------------------------


def settings_form(client: FlaskClient, slug: str) -> dict[str, Any]:
    """What the settings page shows filled in, as the browser would send it back."""
    page = read_page(client.get(f"/o/{slug}/settings?lang=en"))
    data: dict[str, Any] = {name: values if name == "languages" else values[0] for name, values in page.values.items()}
    text = page.html
    for name in ("starts_on", "ends_on", "opens_at", "closes_at"):
        data[name] = input_value(text, name) or ""
    for name in ("country", "default_language", "questionnaire"):
        data[name] = selected(text, name)
    data["sessions"] = "".join(page.values.get("sessions", [])).removeprefix("\r\n").removeprefix("\n")
    return data


def selected(page_html: str, name: str) -> str:
    """The value of the chosen option of a <select>, "" if none."""
    options = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page_html, re.S)
    assert options, name
    match = re.search(r'<option[^>]*\bselected\b[^>]*value="([^"]*)"', options.group(1))
    return match.group(1) if match else ""


def test_settings_page_shows_the_programme_and_saves_changes(
    client: FlaskClient, signed_in: str, granted: Programme
) -> None:
    data = settings_form(client, "niamey")
    assert data["slug"] == "niamey"
    assert data["title"] == "Formation de spécialistes"
    assert data["timezone"] == "Africa/Niamey"
    assert data["expected_participants"] == "29"
    assert data["languages"] == ["fr", "en", "ar"]  # listed in a fixed order; the default is chosen apart
    assert data["default_language"] == "fr"
    assert data["country"] == "NE"
    assert (
        data["sessions"].splitlines()[0]
        == "1 | Méthodologies d'intégration et de réhabilitation | Équipe pédagogique | session"
    )

    data.update(title="Formation de spécialistes (Niamey)", expected_participants="31", series="Sahel")
    response = post(client, "/o/niamey/settings", signed_in, data)
    assert response.status_code == 303
    programme = stored("niamey")
    assert programme is not None
    assert (programme.title, programme.expected_participants, programme.series) == (
        "Formation de spécialistes (Niamey)",
        31,
        "Sahel",
    )
    assert programme.languages == ["fr", "en", "ar"]
    assert "Settings saved." in client.get("/o/niamey/settings?lang=en").get_data(as_text=True)


def test_settings_page_has_tabs_lifecycle_and_preview_link(
    client: FlaskClient, signed_in: str, granted: Programme
) -> None:
    page = client.get("/o/niamey/settings?lang=en").get_data(as_text=True)
    assert 'href="/o/niamey/settings" class="tab tab--current"' in page
    assert 'action="/o/niamey/close"' in page
    assert 'action="/o/niamey/open"' not in page
    assert "Open: trainees can answer now." in page
    assert "/o/questionnaires/end_of_programme/v1/preview?programme=niamey" in html.unescape(page)


def test_short_name_of_an_opened_programme_cannot_change(
    client: FlaskClient, signed_in: str, granted: Programme
) -> None:
    data = settings_form(client, "niamey")
    response = post(client, "/o/niamey/settings?lang=en", signed_in, {**data, "slug": "niamey-bis"})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "slug") == [
        "The short name cannot change once the programme has been opened: printed links and QR codes use it."
    ]
    assert stored("niamey") is not None


def test_short_name_of_a_draft_can_change_but_not_to_a_taken_one(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire, granted: Programme
) -> None:
    post(client, "/o/new", signed_in, form_values(default_questionnaire))
    data = settings_form(client, "dakar-2026")
    response = post(client, "/o/dakar-2026/settings?lang=en", signed_in, {**data, "slug": "niamey"})
    assert field_error(response.get_data(as_text=True), "slug") == ["This short name is taken; please choose another."]
    response = post(client, "/o/dakar-2026/settings", signed_in, {**data, "slug": "dakar-dec-2026"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/o/dakar-dec-2026/settings")
    assert stored("dakar-dec-2026") is not None


def test_editing_sessions_keeps_the_answers_about_them(client: FlaskClient, signed_in: str, granted: Programme) -> None:
    add_random_responses(db.session(), granted, 4, seed=3)
    before = {s.title: s.id for s in granted.sessions}
    data = settings_form(client, "niamey")
    lines = data["sessions"].splitlines()
    # Fix a typo in the first title, swap the two others, add a workshop.
    lines[0] = lines[0].replace("Méthodologies", "Méthodologie")
    data["sessions"] = "\n".join([lines[0], lines[2], lines[1], "4 | Atelier final | C. Ba | workshop"])
    assert post(client, "/o/niamey/settings", signed_in, data).status_code == 303
    programme = stored("niamey")
    assert programme is not None
    after = {s.title: s.id for s in programme.sessions}
    assert (
        after["Méthodologie d'intégration et de réhabilitation"]
        == before["Méthodologies d'intégration et de réhabilitation"]
    )
    for title in list(before)[1:]:
        assert after[title] == before[title]
    assert len(after) == 4


def test_a_session_with_answers_cannot_be_removed(client: FlaskClient, signed_in: str, granted: Programme) -> None:
    add_random_responses(db.session(), granted, 4, seed=3)
    data = settings_form(client, "niamey")
    data["sessions"] = "\n".join(data["sessions"].splitlines()[:2])
    response = post(client, "/o/niamey/settings?lang=en", signed_in, data)
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "sessions") == [
        'Trainees have already answered about "Dimensions psychologiques et sociales de la réhabilitation", '
        "so it cannot be removed."
    ]
    assert len(stored("niamey").sessions) == 3


def test_questionnaire_of_a_programme_with_responses_cannot_change(
    client: FlaskClient, signed_in: str, granted: Programme
) -> None:
    changed = load_definition(DEFAULT_QUESTIONNAIRE)
    changed["title"] = {**changed["title"], "en": "End-of-programme evaluation (2027)"}
    version_2, created = import_questionnaire(db.session(), changed)
    db.session.commit()
    assert created

    # Without responses the organiser may switch to the new version...
    data = settings_form(client, "niamey")
    assert (
        post(client, "/o/niamey/settings", signed_in, {**data, "questionnaire": str(version_2.id)}).status_code == 303
    )
    assert stored("niamey").questionnaire_id == version_2.id

    # ...but not once trainees have answered it.
    add_random_responses(db.session(), stored("niamey"), 2, seed=5)
    data = settings_form(client, "niamey")
    page = client.get("/o/niamey/settings?lang=en").get_data(as_text=True)
    assert "This programme has responses: its questionnaire can no longer change" in page
    first = db.session.scalar(select(Questionnaire.id).where(Questionnaire.version == 1))
    response = post(client, "/o/niamey/settings?lang=en", signed_in, {**data, "questionnaire": str(first)})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "questionnaire") == [
        "This programme already has responses, so its questionnaire cannot change: "
        "the answers must stay tied to the questions trainees saw."
    ]
    assert stored("niamey").questionnaire_id == version_2.id


# --- lifecycle ---------------------------------------------------------------


def test_lifecycle_from_draft_to_archive_and_back(
    client: FlaskClient, signed_in: str, default_questionnaire: Questionnaire
) -> None:
    post(client, "/o/new", signed_in, form_values(default_questionnaire, opens_at="", closes_at=""))
    assert client.get("/s/dakar-2026").status_code == 403  # a draft takes no answers: "not open yet"

    response = post(client, "/o/dakar-2026/open?lang=en", signed_in, {})
    assert response.status_code == 303
    assert stored("dakar-2026").status == "open"
    assert "The evaluation is open." in client.get("/o/dakar-2026/settings").get_data(as_text=True)
    assert client.get("/s/dakar-2026").status_code == 200

    assert post(client, "/o/dakar-2026/close", signed_in, {}).status_code == 303
    assert stored("dakar-2026").status == "closed"
    assert client.get("/s/dakar-2026").status_code == 410

    assert post(client, "/o/dakar-2026/reopen", signed_in, {}).status_code == 303
    assert stored("dakar-2026").status == "open"

    refused = post(client, "/o/dakar-2026/archive?lang=en", signed_in, {})
    assert refused.status_code == 409
    assert "Only a draft or a closed programme can be archived: close it first. It is now: open." in html.unescape(
        refused.get_data(as_text=True)
    )
    assert stored("dakar-2026").status == "open"

    post(client, "/o/dakar-2026/close", signed_in, {})
    assert post(client, "/o/dakar-2026/archive", signed_in, {}).status_code == 303
    assert stored("dakar-2026").status == "archived"
    index = client.get("/o/?lang=en").get_data(as_text=True)
    current, archived = index.split("data-archived", 1)
    assert "dakar-2026" not in current
    assert 'data-programme="dakar-2026"' in archived
    assert "1 archived programme" in archived

    assert post(client, "/o/dakar-2026/unarchive", signed_in, {}).status_code == 303
    assert stored("dakar-2026").status == "closed"


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        ("draft", "reopen", "Only a closed programme can be reopened."),
        ("draft", "close", "Only an open programme can be closed."),
        ("open", "open", "Only a draft or a closed programme can be opened."),
        ("closed", "unarchive", "Only an archived programme can be brought back."),
        ("open", "unarchive", "Only an archived programme can be brought back."),
    ],
)
def test_refused_moves_answer_409_and_change_nothing(
    client: FlaskClient, signed_in: str, granted: Programme, status: str, action: str, message: str
) -> None:
    granted.status = status
    db.session.commit()
    response = post(client, f"/o/niamey/{action}?lang=en", signed_in, {})
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert stored("niamey").status == status


def test_close_can_return_to_the_dashboard(client: FlaskClient, signed_in: str, granted: Programme) -> None:
    response = post(client, "/o/niamey/close", signed_in, {"next": "dashboard"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/o/niamey")


def test_a_closing_time_in_the_past_closes_the_form_by_itself(
    client: FlaskClient, signed_in: str, granted: Programme
) -> None:
    niamey_now = datetime.now(UTC) + timedelta(hours=1)  # Africa/Niamey is UTC+1, without summer time
    data = settings_form(client, "niamey")
    data["opens_at"] = (niamey_now - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    data["closes_at"] = (niamey_now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert post(client, "/o/niamey/settings", signed_in, data).status_code == 303
    assert stored("niamey").status == ProgrammeStatus.OPEN.value
    assert client.get("/s/niamey").status_code == 410
    page = client.get("/o/niamey/settings?lang=en").get_data(as_text=True)
    assert 'data-window="past"' in page

    data["closes_at"] = (niamey_now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert post(client, "/o/niamey/settings", signed_in, data).status_code == 303
    assert client.get("/s/niamey").status_code == 200
