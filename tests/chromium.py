"""The one headless Chromium of a test run (Debian's, /usr/bin/chromium), shared by
tests/browser and tests/judges: Playwright's sync API runs an event loop in the
thread that starts it, so a second session-wide browser beside the first fails
("Sync API inside the asyncio loop"). Registered for every directory by
tests/conftest.py. Without Chromium the browser tests skip, except in CI
(CI=true), where a missing browser is a failure: CI must install it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install it with `apt-get install -y chromium fonts-noto-core`"
        if _in_ci():
            pytest.fail(message + " (CI must run the browser tests)", pytrace=False)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
