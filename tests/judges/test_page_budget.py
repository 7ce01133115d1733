"""The form's first load on a phone stays light: at most 20 KB on the wire
(compressed, headers included) in at most four requests (the page, its
stylesheet, its script, its service worker), all to the form's own server.

Counted at the server, as sent. The service worker, once installed, keeps a
copy of the form for opening it offline (static/js/sw.js): one more GET of the
form, made in the background once the form is usable. It is not part of the
first load (the four); the test allows exactly that one request beyond them,
and bench/slow_link.py prints its size (README.md, "Page budget")."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE
from tests.judges.site import LANGUAGES, Site

pytestmark = pytest.mark.browser

BUDGET_BYTES = 20 * 1024
BUDGET_REQUESTS = 4


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_first_load_of_the_form_fits_the_budget(browser: Browser, site: Site, lang: str) -> None:
    context = browser.new_context(**PHONE)
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(str(urlsplit(request.url).netloc)))
    try:
        page = context.new_page()
        start = len(site.wire)
        page.goto(site.form_url(lang))
        expect(page.locator("[data-form-page]:not([hidden]) fieldset.question").first).to_be_visible()
        # Until the worker controls the page (polled from outside: the page's CSP forbids the
        # evaluated predicate that wait_for_function would run inside it).
        for _ in range(300):
            if page.evaluate("navigator.serviceWorker.controller !== null"):
                break
            page.wait_for_timeout(50)
        assert page.evaluate("navigator.serviceWorker.controller !== null"), "the service worker never took over"
        time.sleep(1)  # the worker's copy of the form, in the background (not a timing assertion)
        loaded = site.wire[start:]
    finally:
        context.close()
    shown = "\n".join(f"  {name}: {size} bytes" for name, size in loaded)
    path = f"/s/{site.slug}"
    page_requests = [name for name, _ in loaded if name != f"GET {path}"]  # the worker's copy, apart
    assert len(page_requests) <= BUDGET_REQUESTS, f"{len(page_requests)} requests:\n{shown}"
    expected = re.compile(
        rf"GET ({re.escape(path)}\?lang={lang}|/static/css/[\w.-]+\.css\?v=\w+|/static/js/[\w.-]+\.js\?v=\w+"
        rf"|{re.escape(path)}/offline\.js)"
    )
    assert all(expected.fullmatch(name) for name in page_requests), shown
    assert [name for name, _ in loaded].count(f"GET {path}") <= 1, shown
    total = sum(size for name, size in loaded if name in page_requests)
    assert total <= BUDGET_BYTES, f"{total} bytes on the wire (budget {BUDGET_BYTES}):\n{shown}"
    assert hosts == {urlsplit(site.url).netloc}, hosts
