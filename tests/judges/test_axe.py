"""axe-core (Deque's accessibility engine, bundled in axe-playwright-python:
no network) on every page state a trainee, an organiser, an evaluator or an
administrator meets: WCAG 2.0 and 2.1 at levels A and AA, and axe's best
practices, with no violation allowed."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page

from tests.judges.site import Site, walk_staff, walk_trainee

pytestmark = pytest.mark.browser

#: The rule sets run: WCAG 2.1 AA (with 2.0's) and axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

#: Elements listed per violation in a failure message (the rest are counted).
SHOWN = 5


def described(name: str, violations: list[dict[str, Any]]) -> str:
    """Each violation as a person fixing it needs it: rule, help, and every element hit."""
    lines = [f"{name}:"]
    for violation in violations:
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        nodes = violation["nodes"]
        for node in nodes[:SHOWN]:
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:])
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(nodes) > SHOWN:
            lines.append(f"    ... and {len(nodes) - SHOWN} more elements")
    return "\n".join(lines)


class AxeJudge:
    def __init__(self) -> None:
        self.axe = Axe()
        self.judged: list[str] = []
        self.failures: list[str] = []

    def __call__(self, name: str, page: Page, html: str) -> None:
        results = self.axe.run(
            page, options={"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]}
        )
        self.judged.append(name)
        violations = results.response["violations"]
        if violations:
            self.failures.append(described(name, violations))


def test_the_trainee_pages_have_no_axe_violation(browser: Browser, site: Site) -> None:
    judge = AxeJudge()
    walk_trainee(browser, site, judge)
    assert len(judge.judged) == 3 * 5, judge.judged  # three form pages, the receipt, the code page; per language
    assert not judge.failures, "\n".join(judge.failures)


def test_the_staff_pages_have_no_axe_violation(browser: Browser, site: Site) -> None:
    judge = AxeJudge()
    walk_staff(browser, site, judge)
    assert "HTML report" in judge.judged
    assert "printable paper form" in judge.judged
    assert not judge.failures, "\n".join(judge.failures)


def test_the_judge_names_the_rule_the_element_and_the_help_of_a_violation(browser: Browser, site: Site) -> None:
    """The judge can fail: a page with an unlabelled field and an image without
    text fails it, and the message says which rule, where, and what to do."""
    judge = AxeJudge()
    page = browser.new_page()
    try:
        page.goto(site.url + "/login")  # a page of the site, then replaced by a faulty one
        page.set_content('<!doctype html><html lang="en"><title>t</title><main><img src="x.png"><input id="q"></main>')
        judge("faulty page", page, "")
    finally:
        page.close()
    (message,) = judge.failures
    assert "image-alt (critical): Images must have alternative text" in message
    assert "    img: " in message
    assert "label (critical): Form elements must have labels" in message
