"""``survey push-programme``: a programme's new responses sent to the central service."""

from __future__ import annotations

import click
from flask import current_app

from survey.extensions import db
from survey.services import audit
from survey.services.central import Central
from survey.services.push import PushReport, Stop, push_programme

#: What each stop means, and what to do, for the command line (the web says it in the reader's language).
STOPS = {
    "not_configured": "set SURVEY_CENTRAL_URL and SURVEY_CENTRAL_TOKEN (README.md, Configuration)",
    "codes_mode": "the programme uses invitation codes, which the API asks for and this service does not keep"
    " with a response: move it with its file (survey export-programme)",
    "unreachable": "the central service cannot be reached now; push again when the network is back",
    "unauthorized": "the central refused the token (unknown, revoked or expired): make a new one there",
    "insufficient_scope": "the token may not read and submit: make one with both scopes",
    "unknown_programme": "the central does not have this programme, or the token may not reach it: import the"
    " programme's file there first (survey export-programme, then survey import-programme) and include the"
    " programme in the token",
    "not_accepting": "the programme is not open on the central service: open it there, or move the rest with"
    " the programme's file",
    "questionnaire_differs": "the central's programme has another questionnaire or other sessions: import the"
    " programme's file there again",
    "rate_limited": "the central asks to wait before more calls; push again later",
    "central_error": "the central service failed; push again later",
}


def describe(report: PushReport) -> list[str]:
    """What the command prints: what was sent, what is left, and why it stopped."""
    lines = [
        f"Programme {report.slug} -> {report.central}: {report.sent} responses sent, "
        f"{report.already_there} already there, {report.left} left to send."
    ]
    if report.refused:
        lines.append(f"{report.refused} refused by the central (left here): " + "; ".join(report.refusals))
    if report.kept_here:
        lines.append(f"{report.kept_here} excluded or paper responses stay here; the programme's file moves them.")
    if report.stop is not None:
        lines.append("Stopped: " + stop_words(report.stop))
    return lines


def stop_words(stop: Stop) -> str:
    words = STOPS.get(stop.reason, stop.reason)
    if stop.retry_after:
        words += f" (in {stop.retry_after} s)"
    return f"{words}. [{stop.detail}]" if stop.detail else f"{words}."


@click.command("push-programme")
@click.argument("slug")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many responses.")
@click.option(
    "--patience",
    type=click.IntRange(min=0),
    default=3600,
    show_default=True,
    help="Seconds the push may wait in all when the central's rate limit asks it to; then it stops.",
)
def push_programme_command(slug: str, limit: int | None, patience: int) -> None:
    """Send the programme's responses the central service (SURVEY_CENTRAL_URL) has not
    acknowledged yet through its API, and print what was sent. Run it again at will:
    the central stores each response once, and a run cut short resumes where it stopped."""
    from survey.cli import _programme

    url, token = current_app.config["CENTRAL_URL"], current_app.config["CENTRAL_TOKEN"]
    if not url or not token:
        raise click.ClickException("Nothing was sent: " + STOPS["not_configured"] + ".")
    try:
        central = Central(url, token)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    report = push_programme(db.session(), _programme(slug), central, audit.CLI, limit=limit, patience=patience)
    for line in describe(report):
        click.echo(line)
    if report.stop is not None:
        raise SystemExit(1)
