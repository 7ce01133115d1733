"""The programme list and the live view of responses.

Live updates: polling with ETag/304, not server-sent events.

A new submission must reach every open dashboard within 3 seconds, with
several gunicorn workers and no state shared between them but the database.

* Server-sent events would hold one (sync) gunicorn worker per open dashboard
  for as long as it stays open: a projector, an organiser's laptop and two
  phones would take four of the few workers the trainees need at that very
  moment. Without a broker (Redis, or a server database's notifications, which the embedded one lacks)
  each stream would poll the database itself anyway.
* Polling every 2 seconds with ``If-None-Match`` keeps each request short and
  stateless; a proxy or worker restart costs nothing. When nothing changed
  the answer is an empty 304 after one cheap statement (a count and a maximum
  on an indexed column, the grant check folded in), and the charts are only
  rebuilt when a response arrives, is excluded, or the programme changes status.
  A few dashboards at one request every 2 seconds are far below what one
  worker serves.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from flask import Response, current_app, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_babel import ngettext
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps

from reports.languages import is_supported
from survey.extensions import db, login_manager
from survey.models import AccessMode
from survey.services import access, aggregates, live
from survey.web.auth import role_required
from survey.web.i18n import current_language
from survey.web.limits import codes_guessed
from survey.web.organiser import MANAGERS, STAFF, bp, programme_for
from survey.web.security import STAFF_CACHE_CONTROL, allow_chart_styles
from survey.web.templating import status_label


@bp.app_template_filter("programme_time")
def programme_time(moment: datetime | None, timezone: str) -> str:
    """A stored (UTC) time as the programme's wall clock, in the page language."""
    if moment is None:
        return ""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return str(format_datetime(moment.astimezone(zone), "short", tzinfo=zone, locale=current_language()))


@bp.app_template_filter("language_name")
def language_name(code: str) -> str:
    """A response language's name in the page language ("arabe" on a French page)."""
    try:
        name = Locale.parse(code).get_display_name(current_language())
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return str(name) if name else code


@bp.get("/")
@role_required(*STAFF)
def index() -> ResponseReturnValue:
    session_ = db.session()
    rows = [(p, aggregates.response_count(session_, p)) for p in access.visible_programmes(session_, current_user)]
    return render_template("organiser/index.html", rows=rows)


@bp.get("/<slug>")
@role_required(*STAFF)
def dashboard(slug: str) -> ResponseReturnValue:
    """Response count against expected, arrivals, dimension scores, a chart per
    question and the latest comments; ``?view=projector`` for the big screen.
    Says so (not on the projector) when someone was stopped guessing invitation codes."""
    programme = programme_for(slug)
    lang = current_language()
    view = live.live_view(db.session(), programme, lang)
    projector = request.args.get("view") == "projector"
    guessing = not projector and programme.access_mode == AccessMode.CODES.value and codes_guessed(programme.slug)
    allow_chart_styles()
    return render_template(
        "organiser/dashboard.html",
        programme=programme,
        view=view,
        n_responses=view.kpis.responses,
        expected=view.kpis.expected,
        rate=view.kpis.rate,
        figures=[{"code": f.code, "json": f.json} for f in view.figures],
        projector=projector,
        codes_guessed=guessing,
        waiting_note=waiting_note(view.kpis),
        plotly_locale=plotly_locale(lang),
        manages=current_user.role in {role.value for role in MANAGERS},
    )


def waiting_note(kpis: live.Kpis) -> str:
    """What the dashboard says of the responses its figures do not include
    yet ("" when none wait, or while the small-group notice says it all)."""
    if not kpis.waiting or kpis.small_group:
        return ""
    return str(
        ngettext(
            "%(num)d response waits for the next batch of %(minimum)d: the figures take in responses"
            " %(minimum)d at a time, so that no one can read a trainee's answers by difference.",
            "%(num)d responses wait for the next batch of %(minimum)d: the figures take in responses"
            " %(minimum)d at a time, so that no one can read a trainee's answers by difference.",
            kpis.waiting,
            minimum=kpis.minimum_group_size,
        )
    )


def plotly_locale(lang: str) -> str | None:
    """The static path of plotly.js's translation into ``lang`` ("vendor/plotly/locales/fr.js"),
    if one is vendored; plotly.js speaks English by itself."""
    path = f"vendor/plotly/locales/{lang}.js"
    found = is_supported(lang) and (Path(current_app.static_folder or "") / path).is_file()
    return path if found else None


@bp.get("/<slug>/live.json")
def dashboard_data(slug: str) -> ResponseReturnValue:
    """The dashboard's data as JSON, for ``static/js/dashboard.js`` to poll.

    With ``If-None-Match`` carrying the current ETag the answer is 304 with an
    empty body, after a single SQL statement: the signed-in user's id is read
    from the session cookie (with its session version) rather than loaded by Flask-Login (one query
    saved), and :func:`live.fingerprint_for_viewer` checks that user and the grant
    in the same statement as the fingerprint. Anything else (not signed in,
    no grant, a changed fingerprint) takes the full path with the usual checks:
    login redirect, 404 for another programme.
    """
    lang = current_language()
    signed_in = _session_user()
    if signed_in is not None and request.if_none_match:
        fingerprint = live.fingerprint_for_viewer(db.session(), slug, *signed_in)
        if fingerprint is not None:
            etag = fingerprint.etag(lang)
            if request.if_none_match.contains_weak(etag):
                return _cacheable(Response(status=304), etag)
    return _live_json(slug, lang)


@role_required(*STAFF)
def _live_json(slug: str, lang: str) -> ResponseReturnValue:
    programme = programme_for(slug)
    view = live.live_view(db.session(), programme, lang)
    kpis = view.kpis
    payload: dict[str, Any] = {
        "kpis": {
            "responses": kpis.responses,
            "expected": kpis.expected,
            "rate": round(kpis.rate * 100) if kpis.rate is not None else None,
            "excluded": kpis.excluded,
            "status": kpis.status,
            "status_label": status_label(kpis.status),
            "small_group": kpis.small_group,
            "waiting": kpis.waiting,
            "waiting_note": waiting_note(kpis),
        },
        "figures": [{"code": f.code, "json": f.json} for f in view.figures],
        "comments": [
            {
                "question": c.question,
                "question_text": c.question_text,
                "language": c.language,
                "text": c.text,
            }
            for c in view.comments
        ],
    }
    # <, >, & and ' as \u escapes: the JSON stays inert even if something
    # someday puts it in a page (the dashboard inserts texts with textContent).
    body = htmlsafe_json_dumps(payload)
    return _cacheable(Response(str(body), mimetype="application/json"), view.etag)


def _cacheable(response: Response, etag: str) -> Response:
    """Tagged for the next poll, which sends the tag itself (static/js/dashboard.js):
    no copy is kept by any cache, as for every staff page."""
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = STAFF_CACHE_CONTROL
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def _session_user() -> tuple[int, int] | None:
    """The signed-in user's id and session version as Flask-Login keeps them
    in the session (User.get_id), without a query.

    None under "strong" session protection, whose identifier check may sign the
    user out: then Flask-Login must decide, on the full path.
    """
    mode = current_app.config.get("SESSION_PROTECTION", login_manager.session_protection)
    if mode == "strong":
        return None
    user_id, _, version = str(session.get("_user_id") or "").partition(".")
    return (int(user_id), int(version)) if user_id.isdigit() and version.isdigit() else None
