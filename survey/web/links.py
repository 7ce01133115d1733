"""Links that leave the screen: printed on code cards, shown on the poster and
the dashboard, encoded in QR codes, read out to a room.

They must name the address the trainees' phones reach, which is not always the
one the organiser's browser used: in classroom mode the organiser works on
http://127.0.0.1:5000 while phones need the laptop's address on the room's
network, and behind a proxy the public name differs from the server's own.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` as people outside this browser must use it.

    It starts with the ``BASE_URL`` setting (SURVEY_BASE_URL, or the laptop's
    address set by ``survey serve --lan``) when there is one, else with the
    address of the current request.
    """
    base: str = current_app.config.get("BASE_URL") or ""
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    # The base names where the application's root is reached: a prefix the
    # server mounted it under is already part of it.
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root) :]
    return base + path
