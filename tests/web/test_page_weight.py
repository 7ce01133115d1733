"""The form must stay light for cheap phones on slow data: at most 20 KB
compressed in at most 4 requests (page, stylesheet, script, service worker)."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from survey.models import Programme

BUDGET_BYTES = 20 * 1024
BUDGET_REQUESTS = 4


def test_each_form_page_fits_the_budget(client: FlaskClient, programme: Programme) -> None:
    headers = {"Accept-Encoding": "gzip"}
    for lang in ("fr", "ar", "en"):
        page = client.get(f"/s/niamey?lang={lang}", headers=headers)
        assert page.headers["Content-Encoding"] == "gzip"
        html = client.get(f"/s/niamey?lang={lang}").get_data(as_text=True)
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
        assets += re.findall(r'data-offline-worker="(/[^"]+)"', html)
        outside = re.findall(r'(?:href|src)="(https?://[^"]+)"', html)
        assert outside == []
        sizes = [len(page.data)]
        for url in assets:
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            assert response.headers.get("Content-Encoding") == "gzip"
            sizes.append(len(response.data))
            response.close()
        assert len(sizes) <= BUDGET_REQUESTS, assets
        assert sum(sizes) <= BUDGET_BYTES, sizes


def test_static_files_are_cacheable_and_versioned(client: FlaskClient, programme: Programme) -> None:
    html = client.get("/s/niamey").get_data(as_text=True)
    css = re.search(r'href="(/static/css/survey.css\?v=[0-9a-f]{10})"', html)
    assert css is not None
    response = client.get(css.group(1))
    assert "max-age=31536000" in response.headers["Cache-Control"]
    response.close()
