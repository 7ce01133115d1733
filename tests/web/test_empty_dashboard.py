"""An empty dashboard says once what to do next (issue 19, point 5), instead of
an empty chart, a small-group notice and "no comments yet" all saying "nothing"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from survey.extensions import db
from survey.models import Programme, Role
from survey.services import access
from survey.services.demo import add_random_responses
from survey.services.users import create_user
from tests.web.test_dashboard import login, signed_in  # noqa: F401 (a fixture)

SHOWN_WHEN_EMPTY = ("small-group", "latest-comments-title")


def shown(html: str, marker: str) -> bool:
    """Whether the element holding ``marker`` is on the page and not hidden."""
    tag = re.search(rf"<[^>]*{re.escape(marker)}[^>]*>", html)
    return tag is not None and " hidden" not in tag.group(0)


@pytest.mark.parametrize(
    ("status", "next_step", "links"),
    [
        ("open", "Next: show the poster on the projector", ["/o/niamey/poster"]),
        ("draft", "Next: open the evaluation", ["/o/niamey/settings", "/o/niamey/poster"]),
        ("closed", "The evaluation is not open: reopen it", []),
    ],
)
def test_an_empty_dashboard_says_once_what_to_do_next(
    signed_in: FlaskClient,  # noqa: F811
    programme: Programme,
    status: str,
    next_step: str,
    links: list[str],
) -> None:
    programme.status = status
    db.session.commit()
    html = signed_in.get("/o/niamey?lang=en").get_data(as_text=True)
    card = re.search(r'<section class="card next-steps".*?</section>', html, re.S)
    assert card is not None
    assert html.count("No responses yet") == 1
    assert next_step in card.group(0)
    assert re.findall(r'class="button[^"]*" href="([^"]+)"', card.group(0)) == links
    # Nothing else says "nothing yet": the empty chart, the notice and the comments wait.
    assert not shown(html, 'class="charts"')
    assert not shown(html, 'id="small-group"')
    assert not shown(html, 'class="card latest-comments"')
    assert 'data-kpi="responses">0' in html  # the count stays, and updates by itself


def test_the_card_goes_with_the_first_response(
    signed_in: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    add_random_responses(db.session(), programme, 1, seed=5)
    html = signed_in.get("/o/niamey?lang=en").get_data(as_text=True)
    assert "next-steps" not in html
    assert shown(html, 'class="charts"')
    assert shown(html, 'class="card latest-comments"')
    # The page polled while empty reloads when the first response arrives, to lose the card.
    script = (Path(__file__).parents[2] / "static" / "js" / "dashboard.js").read_text()
    assert 'document.getElementById("next-steps")' in script


def test_the_projector_shows_no_instructions_to_the_room(
    signed_in: FlaskClient,  # noqa: F811
    programme: Programme,
) -> None:
    html = signed_in.get("/o/niamey?lang=en&view=projector").get_data(as_text=True)
    assert "next-steps" not in html
    assert shown(html, 'class="charts"')


def test_an_evaluator_is_told_but_given_no_organiser_buttons(client: FlaskClient, programme: Programme) -> None:
    evaluator = create_user(db.session(), "eval@example.org", "correct horse", Role.EVALUATOR, "Eval")
    access.grant(db.session(), evaluator, programme)
    db.session.commit()
    login(client, "eval@example.org", "correct horse")
    html = client.get("/o/niamey?lang=fr").get_data(as_text=True)
    card = re.search(r'<section class="card next-steps".*?</section>', html, re.S)
    assert card is not None
    assert "Pas encore de réponse" in card.group(0)
    assert "/poster" not in card.group(0)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_card_speaks_the_organisers_language(
    signed_in: FlaskClient,  # noqa: F811
    programme: Programme,
    lang: str,
) -> None:
    html = signed_in.get(f"/o/niamey?lang={lang}").get_data(as_text=True)
    card = re.search(r'<section class="card next-steps".*?</section>', html, re.S)
    assert card is not None
    assert "No responses yet" not in card.group(0)
    assert "Next:" not in card.group(0)
