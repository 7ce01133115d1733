"""The programme's place and days in the page's language, each isolated from
the other (issue 19, point 1): "Niamey · 23–27 نوفمبر 2026" must not show the
place inside the dates. Their visual order is checked in Chromium
(tests/browser/test_bidi_order.py); here, what the server writes."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import Programme
from tests.web.test_dashboard import signed_in  # noqa: F401 (a fixture)


@pytest.fixture
def dated(programme: Programme) -> Programme:
    programme.starts_on, programme.ends_on = date(2026, 11, 23), date(2026, 11, 27)
    db.session.commit()
    return programme


@pytest.mark.parametrize(
    ("lang", "days"),
    [("fr", "23–27 nov. 2026"), ("ar", "23–27 نوفمبر 2026"), ("en", "Nov 23\u2009–\u200927, 2026")],
)
def test_the_dashboard_shows_the_place_and_the_span_of_days_isolated(
    signed_in: FlaskClient,  # noqa: F811
    dated: Programme,
    lang: str,
    days: str,
) -> None:
    page = signed_in.get(f"/o/{dated.slug}?lang={lang}").get_data(as_text=True)
    assert '<bdi data-bidi="place">Niamey</bdi>' in page
    assert f'<bdi class="unbroken">{days}</bdi>' in page


def test_a_one_day_programme_shows_one_date(signed_in: FlaskClient, dated: Programme) -> None:  # noqa: F811
    dated.ends_on = dated.starts_on
    db.session.commit()
    page = signed_in.get(f"/o/{dated.slug}?lang=fr").get_data(as_text=True)
    assert '<bdi class="unbroken">23 nov. 2026</bdi>' in page


def test_the_programme_list_isolates_the_place_and_days(signed_in: FlaskClient, dated: Programme) -> None:  # noqa: F811
    page = signed_in.get("/o/?lang=ar").get_data(as_text=True)
    assert '<bdi data-bidi="place">Niamey</bdi>' in page
    assert '<bdi class="unbroken">23–27 نوفمبر 2026</bdi>' in page
