"""The organiser's tables use a laptop's width (issue 19, point 5): on a 1280 px
screen the responses list is not squeezed into the 704 px reading column, and
its last column (the status) is on screen, not cut off."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.browser.conftest import LiveServer
from tests.browser.test_paper_entry_keys import laptop  # noqa: F401 (a fixture)

#: The reading column of a form or a text page, which a table must not be held to.
READING_COLUMN = 704

#: Where the table and its last header cell are, and whether anything of it is scrolled out of sight.
TABLE_BOX = """
table => {
  const box = table.getBoundingClientRect();
  const heads = table.querySelectorAll('thead th');
  const last = heads[heads.length - 1].getBoundingClientRect();
  const holder = table.parentElement;
  return {width: box.width, lastLeft: last.left, lastRight: last.right,
          hidden: holder.scrollWidth - holder.clientWidth, screen: window.innerWidth};
}
"""


@pytest.fixture(scope="module")
def with_responses(live_server: LiveServer) -> None:
    from survey.models import Programme
    from survey.services.demo import add_random_responses

    with Session(live_server.engine, expire_on_commit=False) as session:
        programme = session.scalars(select(Programme).where(Programme.slug == live_server.slug)).one()
        add_random_responses(session, programme, 6)
        session.commit()


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_responses_table_uses_the_width_of_a_laptop(
    laptop: Page,  # noqa: F811
    live_server: LiveServer,
    with_responses: None,
    lang: str,
) -> None:
    laptop.goto(f"/o/{live_server.slug}/responses?lang={lang}")
    table = laptop.locator("table.responses-table")
    expect(table).to_be_visible()
    box: dict[str, Any] = table.evaluate(TABLE_BOX)
    assert box["width"] > READING_COLUMN + 200, box
    assert box["hidden"] <= 1, f"{box['hidden']}px of the table scroll out of sight"
    assert box["lastLeft"] >= 0, box  # the status column is on screen, in Arabic too
    assert box["lastRight"] <= box["screen"], box


def test_the_questionnaire_library_uses_the_width_of_a_laptop(
    laptop: Page,  # noqa: F811
) -> None:
    laptop.goto("/o/questionnaires?lang=fr")
    table = laptop.locator("table.library-table")
    expect(table).to_be_visible()
    box: dict[str, Any] = table.evaluate(TABLE_BOX)
    assert box["width"] > READING_COLUMN + 200, box
    assert box["hidden"] <= 1, box
