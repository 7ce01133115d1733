"""The trainee form on a slow mobile link: 400 kbit/s each way and 400 ms of
round trip (Chromium's network emulation, through the DevTools protocol), on a
small phone, with the service worker blocked as on the room's plain-http
address (DevTools throttling does not reach a worker's own requests).

Printed for fr, ar and en: the time from navigation to a usable form (the first
page shown and its script running) and from the tap on Send to the receipt;
the bytes of the first load as the server sent them; and Lighthouse's mobile
performance score (a timing too, so printed, never asserted; it needs
`make lighthouse`). ``python -m bench.slow_link``; ``python -m bench`` runs it
after the load benchmark. Figures go in bench/README.md and README.md."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import lighthouse
from reports.languages import CODES

#: The link: 400 kbit/s down and up, 400 ms of round trip.
KBITS = 400
ROUND_TRIP_MS = 400
#: Every language the form speaks (reports.languages: the one list of them).
LANGUAGES = CODES


def _throttled(context: Any, page: Any) -> None:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": ROUND_TRIP_MS,
            "downloadThroughput": KBITS * 1000 / 8,
            "uploadThroughput": KBITS * 1000 / 8,
        },
    )


def one_trainee(browser: Any, site: Any, lang: str) -> tuple[float, float, int]:
    """Seconds to a usable form, seconds from the tap on Send to the receipt, bytes of the first load."""
    from playwright.sync_api import expect

    from tests.browser.conftest import PHONE
    from tests.judges.site import DONE_URL, FORM_PAGES, _answer_shown_page, _tap

    context = browser.new_context(**PHONE, service_workers="block")
    context.set_default_timeout(120_000)
    try:
        page = context.new_page()
        _throttled(context, page)
        start_wire = len(site.wire)
        started = time.perf_counter()
        page.goto(site.form_url(lang), wait_until="commit")
        shown = page.locator("[data-form-page]:not([hidden])")
        # Usable: the first question on screen (styled: the stylesheet blocks rendering) and the
        # script running (it adds the field that sends the whole form at once).
        expect(shown.locator("fieldset.question").first).to_be_visible()
        expect(page.locator("form.survey-form input[name=whole]")).to_have_count(1)
        usable = time.perf_counter() - started
        first_load = sum(size for _, size in site.wire[start_wire:])
        for number in range(FORM_PAGES):
            expect(shown).to_have_attribute("data-form-page", str(number))
            _answer_shown_page(page)
            if number < FORM_PAGES - 1:
                _tap(page, "next")
        tapped = time.perf_counter()
        _tap(page, "send")
        page.wait_for_url(DONE_URL)
        expect(page.locator(".receipt strong")).to_be_visible()
        receipt = time.perf_counter() - tapped
    finally:
        context.close()
    return usable, receipt, first_load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_link", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="trainees per language (default 3; medians shown)")
    parser.add_argument("--no-lighthouse", action="store_true", help="skip Lighthouse's performance score")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.judges.site import serve_site

    if not CHROMIUM.exists():
        print(f"slow link: skipped, {CHROMIUM} is missing", file=sys.stderr)
        return 0
    print(f"slow link: {KBITS} kbit/s each way, {ROUND_TRIP_MS} ms round trip, 360x740 phone, no service worker")
    with tempfile.TemporaryDirectory(prefix="survey-slow-link-") as work, serve_site(Path(work)) as site:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                for lang in LANGUAGES:
                    runs = [one_trainee(browser, site, lang) for _ in range(args.runs)]
                    usable = statistics.median(run[0] for run in runs)
                    receipt = statistics.median(run[1] for run in runs)
                    size = statistics.median(run[2] for run in runs)
                    print(
                        f"  {lang}: usable form {usable:.1f} s, tap to receipt {receipt:.1f} s, "
                        f"first load {size / 1024:.1f} KB on the wire (median of {args.runs})",
                        flush=True,
                    )
            finally:
                browser.close()
        if args.no_lighthouse:
            return 0
        why = lighthouse.missing()
        if why:
            print(f"lighthouse: skipped, {why}")
            return 0
        for lang in LANGUAGES:
            result = lighthouse.run(site.form_url(lang), ("performance", "accessibility", "best-practices"))
            scores = ", ".join(f"{name} {score}" for name, score in result.scores.items())
            print(f"  lighthouse mobile, form {lang}: {scores}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
