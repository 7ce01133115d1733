"""Lighthouse, mobile preset, on the trainee form in fr, ar and en: accessibility
and best practices at 100. The performance score is a timing: bench/slow_link.py
prints it, README.md keeps it."""

from __future__ import annotations

import pytest

from bench import lighthouse
from tests.browser.conftest import _in_ci
from tests.judges.site import LANGUAGES, Site

pytestmark = pytest.mark.browser

CATEGORIES = ("accessibility", "best-practices")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_form_scores_100_in_accessibility_and_best_practices(site: Site, lang: str) -> None:
    why = lighthouse.missing()
    if why:
        if _in_ci():
            pytest.fail(why + " (CI must run Lighthouse)", pytrace=False)
        pytest.skip(why)
    result = lighthouse.run(site.form_url(lang), CATEGORIES)
    failures = [
        f"{category} {result.scores[category]}/100:\n" + "\n".join(f"  {audit}" for audit in result.failed[category])
        for category in CATEGORIES
        if result.scores[category] < 100
    ]
    assert not failures, "\n".join(failures)
    assert set(result.scores) == set(CATEGORIES)
