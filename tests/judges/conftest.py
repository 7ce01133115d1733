"""The judges' fixtures: one site for the whole run; the headless Chromium is the
run's one (tests/chromium.py), shared with tests/browser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.judges.site import Site, serve_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serve_site(tmp_path_factory.mktemp("judged-site")) as served:
        yield served
