"""The judges' fixtures: one site and one headless Chromium for the whole run
(Chromium is Debian's, as for tests/browser)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser.conftest import browser, chromium_path
from tests.judges.site import Site, serve_site

__all__ = ["browser", "chromium_path", "site"]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serve_site(tmp_path_factory.mktemp("judged-site")) as served:
        yield served
