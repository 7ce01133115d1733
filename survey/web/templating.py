"""Template helpers: versioned static URLs, dates and labels in the page's language."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from babel.dates import format_interval
from flask import Flask, current_app, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

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


def format_days(start: date | None, end: date | None = None) -> str:
    """The days of a programme as the page's language writes a span of days
    ("23–27 nov. 2026"); one day when it ends the day it starts or has no end."""
    if start is None:
        return ""
    if end is None or end <= start:
        return format_day(start)
    return str(format_interval(start, end, "yMMMd", locale=get_locale()))


def bdi(value: object) -> Markup:
    """``value`` isolated from the text around it (``<bdi>``): a Latin name or a
    number inside an Arabic sentence keeps its own order and leaves theirs alone."""
    return Markup("<bdi>{}</bdi>").format(value)


def unbroken(value: object) -> Markup:
    """``value`` isolated as :func:`bdi` and never broken across lines: a date,
    a span of days, a code, a signed number, "n = 27"."""
    return Markup('<bdi class="unbroken">{}</bdi>').format(value)


def register_templating(app: Flask) -> None:
    app.jinja_env.globals.update(asset_url=asset_url, status_label=status_label, public_url=public_url)
    app.jinja_env.filters.update(format_date=format_day, format_days=format_days, bdi=bdi, unbroken=unbroken)
