"""The push from the field (survey.services.push) from the organiser's pages: what
`survey push-programme` does, a bounded number of responses per click.

The push runs in the request, not as a report worker's job: it is a few dozen
small HTTP calls, each bounded by survey.services.central.TIMEOUT, and it
stops at the first failure, so one click holds one server thread for a short,
bounded time; the organiser sees the result at once and clicks again for the
rest. Managers of the programme only; the POST carries its CSRF token."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from survey.extensions import db
from survey.services.central import Central
from survey.services.push import PushReport, Stop, pending_count, push_programme
from survey.web.auth import role_required
from survey.web.i18n import current_language
from survey.web.organiser import MANAGERS, bp, programme_for

#: Responses sent per click; the page says how many are left.
PER_REQUEST = 100


@bp.route("/<slug>/push", methods=["GET", "POST"])
@role_required(*MANAGERS)
def push(slug: str) -> ResponseReturnValue:
    """Send the programme's new responses to the central service (SURVEY_CENTRAL_URL)."""
    programme = programme_for(slug, manage=True)
    url, token = current_app.config["CENTRAL_URL"], current_app.config["CENTRAL_TOKEN"]
    report: PushReport | None = None
    problem = ""
    central: Central | None = None
    if url and token:
        try:
            central = Central(url, token, current_language())
        except ValueError:
            current_app.logger.warning("SURVEY_CENTRAL_URL is not an http(s) address")
    if central is None:
        problem = stop_message(Stop("not_configured"))
    # The POST's CSRF token is checked by CSRFProtect before any view.
    elif request.method == "POST":
        report = push_programme(db.session(), programme, central, current_user._get_current_object(), limit=PER_REQUEST)
        if report.stop is not None:
            current_app.logger.info("push of %s stopped: %s %s", slug, report.stop.reason, report.stop.detail)
            problem = stop_message(report.stop)
        for refusal in report.refusals:
            current_app.logger.info("push of %s: a response was refused: %s", slug, refusal)
    waiting = pending_count(db.session(), programme, central.url) if central else 0
    return render_template(
        "organiser/push.html",
        programme=programme,
        central=central.url if central else "",
        report=report,
        problem=problem,
        waiting=waiting,
    )


def stop_message(stop: Stop) -> str:
    """Why the push stopped, and what to do, in the reader's language."""
    messages = {
        "not_configured": _(
            "No central service is configured: set SURVEY_CENTRAL_URL and SURVEY_CENTRAL_TOKEN (README.md,"
            " Configuration)."
        ),
        "codes_mode": _(
            "This programme uses invitation codes, which the central service would ask for each response, and"
            " this service does not keep them with the responses: move it with its file instead."
        ),
        "unreachable": _("The central service cannot be reached now. Send again when the network is back."),
        "unauthorized": _(
            "The central service refused the token: it is unknown, revoked or expired. Make a new one there."
        ),
        "insufficient_scope": _("The token may not read and submit on the central service: make one with both."),
        "unknown_programme": _(
            "The central service does not have this programme, or the token may not reach it. Import the"
            " programme's file there first, then include the programme in the token."
        ),
        "not_accepting": _(
            "The programme is not open on the central service: open it there, or move the rest with its file."
        ),
        "questionnaire_differs": _(
            "The programme on the central service has another questionnaire or other sessions: import the"
            " programme's file there again."
        ),
        "rate_limited": _("The central service asks to wait before more calls. Send again in a few minutes."),
        "central_error": _("The central service failed. Send again later."),
    }
    words: str = messages.get(stop.reason, messages["central_error"])
    if stop.detail and stop.reason not in {"unreachable", "questionnaire_differs"}:
        words = " ".join((words, _("The central service said: %(detail)s", detail=stop.detail)))
    return words
