"""Template helpers: versioned static URLs, dates and labels in the page's language."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from flask import Flask, current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from reports.caches import memoised
from survey.caches import STATIC_DIGESTS
from survey.web.links import public_url


@memoised(STATIC_DIGESTS)
def _digest(static_folder: str, filename: str) -> str:
    return hashlib.sha256((Path(static_folder) / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """A static URL that changes when the file does, so browsers may cache it for a year."""
    return url_for("static", filename=filename, v=_digest(current_app.static_folder or "", filename))


def status_label(status: str) -> str:
    labels = {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed"), "archived": _("Archived")}
    return str(labels.get(status, status))


def format_day(value: date | None) -> str:
    return str(format_date(value, format="medium")) if value else ""


def register_templating(app: Flask) -> None:
    app.jinja_env.globals.update(asset_url=asset_url, status_label=status_label, public_url=public_url)
    app.jinja_env.filters["format_date"] = format_day
