"""Mixed Arabic and Latin text keeps its logical order where the eye reads it
(issue 19, point 1): Chromium lays out the Arabic report and dashboard, and the
test reads where each part landed on screen. In a right-to-left line the part
read first stands on the right; inside "n = 27" or "−33" the sign and the "n"
stay on the left, as in every language; a date or a span of days is one line."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from reports.documents import ReportSource
from reports.documents.html import render
from tests.browser.conftest import DEMO_EMAIL, LiveServer
from tests.browser.test_axe_changed_pages import violations
from tests.browser.test_paper_entry_keys import laptop  # noqa: F401 (a fixture)
from tests.reports.test_summary import build

#: 27 trainees: 18 would not recommend the programme, 9 would: a net score of −33.
NPS_ANSWERS = [2] * 18 + [10] * 9
FAKE_PLOTLY = "window.Plotly = {newPlot: function () {}};"
#: A box narrower than a date range: the width some texts get in a grid column
#: with an enlarged font.
NARROW = "6rem"

#: Where each part of a text node landed: the client rectangles of the first
#: occurrence of ``part`` in the text of ``selector``, found by a DOM Range.
RECTS = """([selector, part]) => {
  const root = document.querySelector(selector);
  if (!root) return null;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(part);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + part.length);
    return [...range.getClientRects()].filter(r => r.width > 0)
      .map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
  }
  return null;
}"""


def rects(page: Page, selector: str, part: str) -> list[dict[str, float]]:
    found: list[dict[str, float]] | None = page.evaluate(RECTS, [selector, part])
    assert found, f"{part!r} is not shown in {selector}"
    return found


def box(page: Page, selector: str, part: str) -> dict[str, float]:
    """The one rectangle ``part`` takes: it must not be broken across lines."""
    found = rects(page, selector, part)
    lines = {round(r["top"]) for r in found}
    assert len(lines) == 1, f"{part!r} is broken across lines in {selector}: {found}"
    return {"left": min(r["left"] for r in found), "right": max(r["right"] for r in found), "top": found[0]["top"]}


def narrow(page: Page, selector: str) -> None:
    """Squeeze the box of ``selector`` to :data:`NARROW` (through the CSSOM,
    which the pages' Content-Security-Policy allows)."""
    page.evaluate(
        """([s, w]) => { const el = document.querySelector(s);
             el.style.display = 'block'; el.style.maxInlineSize = w; }""",
        [selector, NARROW],
    )


def left_of(page: Page, selector: str, first: str, second: str) -> bool:
    """Whether ``first`` ends left of where ``second`` starts, on one line."""
    a, b = box(page, selector, first), box(page, selector, second)
    assert abs(a["top"] - b["top"]) < 2, f"{first!r} and {second!r} are on different lines"
    return a["right"] <= b["left"] + 0.5


# The report ------------------------------------------------------------------


@pytest.fixture
def arabic_report(browser: Any, tmp_path: Path) -> Iterator[Page]:
    """The Arabic HTML report of 27 responses over 23-27 November 2026, on a phone-wide page."""
    data = build([{"recommend": score} for score in NPS_ANSWERS], expected=29)
    data = replace(data, programme=replace(data.programme, starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 27)))
    plotly = tmp_path / "plotly.js"
    plotly.write_text(FAKE_PLOTLY, encoding="utf-8")
    html = render(ReportSource(data=data), "ar", plotly_js=plotly)
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.set_content(html)
    yield page
    context.close()


def test_the_arabic_report_reads_its_date_range_from_the_right(arabic_report: Page) -> None:
    dates = "[data-bidi=dates]"
    assert arabic_report.locator("html").get_attribute("dir") == "rtl"
    # The first day, read first, stands right of the last; each date reads left to right.
    assert left_of(arabic_report, dates, "2026-11-27", "2026-11-23")
    assert left_of(arabic_report, dates, "2026", "11-23")
    # The whole span on one line, even in a box narrower than it (a larger
    # font or a longer label leaves it that little room).
    narrow(arabic_report, "#programme .facts")
    box(arabic_report, dates, "2026-11-23 – 2026-11-27".replace(" – ", "\u2069 – \u2066"))


def test_the_arabic_report_keeps_the_sign_and_n_on_the_left(arabic_report: Page) -> None:
    score = "[data-bidi=score]"
    expect(arabic_report.locator(score)).to_contain_text("33")
    assert left_of(arabic_report, score, "-", "33")
    n = "[data-bidi=n]"
    expect(arabic_report.locator(n)).to_contain_text("27")
    assert left_of(arabic_report, n, "n", "27")
    box(arabic_report, n, "n = 27")


def test_the_report_keeps_its_date_range_on_one_line_in_french(browser: Any, tmp_path: Path) -> None:
    data = build([{"recommend": score} for score in NPS_ANSWERS], expected=29)
    data = replace(data, programme=replace(data.programme, starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 27)))
    plotly = tmp_path / "plotly.js"
    plotly.write_text(FAKE_PLOTLY, encoding="utf-8")
    context = browser.new_context(viewport={"width": 320, "height": 700})
    try:
        page = context.new_page()
        page.set_content(render(ReportSource(data=data), "fr", plotly_js=plotly))
        narrow(page, "#programme .facts")
        assert left_of(page, "[data-bidi=dates]", "2026-11-23", "2026-11-27")
        box(page, "[data-bidi=dates]", "2026-11-23 – 2026-11-27")
    finally:
        context.close()


# The dashboard ---------------------------------------------------------------

BIDI_SLUG = "bidi-niamey"


@pytest.fixture(scope="module")
def bidi_programme(live_server: LiveServer) -> str:
    """A closed programme in Niamey, 23-27 November 2026, with 27 Arabic responses and a net score of −33."""
    from survey.models import Programme, ProgrammeStatus, User
    from survey.questionnaire.kinds import AnswerValue
    from survey.services import access
    from survey.services.demo import DEMO_SLUG, _random_answers
    from survey.services.programmes import create_programme
    from survey.services.responses import submit_response
    from survey.storage import SubmittedAnswer

    with Session(live_server.engine, expire_on_commit=False) as session:
        demo = session.query(Programme).filter_by(slug=DEMO_SLUG).one()
        programme = create_programme(
            session,
            slug=BIDI_SLUG,
            title="Formation de spécialistes",
            questionnaire=demo.questionnaire,
            location="Niamey",
            country="NE",
            starts_on=date(2026, 11, 23),
            ends_on=date(2026, 11, 27),
            timezone="Africa/Niamey",
            expected_participants=29,
            languages=("fr", "ar", "en"),
        )
        programme.move_to(ProgrammeStatus.OPEN)
        access.grant(session, session.query(User).filter_by(email=DEMO_EMAIL).one(), programme)
        session.commit()  # the storage door reads the questions on a connection of its own
        rng = random.Random(19)
        for index, score in enumerate(NPS_ANSWERS):
            answers = [
                a
                for a in _random_answers(rng, programme.questionnaire.definition, programme, "ar")
                if a.question_code != "recommend"
            ]
            answers.append(SubmittedAnswer("recommend", AnswerValue("", number=score)))
            submit_response(session, programme, answers, language="ar", idempotency_key=f"bidi-{index:02d}")
        # Closed, the dashboard shows every response, not whole batches of the smallest group.
        programme.move_to(ProgrammeStatus.CLOSED)
        session.commit()
    return BIDI_SLUG


@pytest.fixture
def arabic_dashboard(laptop: Page, bidi_programme: str) -> Page:  # noqa: F811
    laptop.goto(f"/o/{bidi_programme}?lang=ar")
    expect(laptop.locator("#chart-recommend .gtitle")).to_have_count(1)
    return laptop


def test_the_arabic_dashboard_puts_the_place_before_the_dates(arabic_dashboard: Page) -> None:
    page = arabic_dashboard
    assert page.locator("html").get_attribute("dir") == "rtl"
    place = box(page, ".dashboard-header [data-bidi=place]", "Niamey")
    days = page.locator(".dashboard-header [data-bidi=dates]")
    expect(days).to_contain_text("2026")
    # "Niamey · 23-27 ..." read from the right: the place first, wholly right of the dates.
    dates = page.evaluate(
        """s => [...document.querySelector(s).getClientRects()]
               .map(x => ({left: x.left, right: x.right, top: x.top}))""",
        ".dashboard-header [data-bidi=dates] > *",
    )
    assert len({round(r["top"]) for r in dates}) == 1, f"the dates are broken across lines: {dates}"
    assert max(r["right"] for r in dates) <= place["left"]
    assert abs(dates[0]["top"] - place["top"]) < 4
    # Inside the span, the first day is read first: on the right of the last.
    assert left_of(page, ".dashboard-header [data-bidi=dates]", "27", "23")
    # The span of days never breaks, even in a box narrower than it.
    narrow(page, ".dashboard-header p.muted")
    box(page, ".dashboard-header [data-bidi=dates]", "2026")
    dates = page.evaluate(
        """s => [...document.querySelector(s).getClientRects()].map(x => ({top: x.top}))""",
        ".dashboard-header [data-bidi=dates] > *",
    )
    assert len({round(r["top"]) for r in dates}) == 1, f"the dates are broken across lines: {dates}"


def test_the_arabic_dashboard_chart_keeps_the_sign_and_n_on_the_left(arabic_dashboard: Page) -> None:
    title = "#chart-recommend .gtitle"
    assert left_of(arabic_dashboard, title, "-", "33")
    assert left_of(arabic_dashboard, title, "n", "27")
    assert left_of(arabic_dashboard, title, "n = ", "27")


# The judges ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_pages_with_isolated_text_have_no_axe_violations(laptop: Page, bidi_programme: str, lang: str) -> None:  # noqa: F811
    found: dict[str, list[str]] = {}
    for path in (
        f"/o/{bidi_programme}?lang={lang}",
        f"/o/?lang={lang}",
        f"/o/{bidi_programme}/entry?lang={lang}",
        f"/s/{bidi_programme}?lang={lang}",
    ):
        laptop.goto(path)
        expect(laptop.locator("h1").first).to_be_visible()
        found[path] = violations(laptop)
    assert found == {path: [] for path in found}


def test_the_arabic_report_has_no_axe_violations(arabic_report: Page) -> None:
    assert violations(arabic_report) == []
