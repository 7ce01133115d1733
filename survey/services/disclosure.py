"""A programme's minimum group size, and the logged confirmation its raw data needs.

The rule itself (which groups are too small to show) is
:mod:`reports.disclosure`'s; this module reads it for one stored programme and
records every download of the raw answers of a programme under its minimum,
which an evaluator may make only after confirming it, through the one function
:func:`record_small_group_download`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reports import disclosure
from survey.models import Programme
from survey.services.aggregates import response_count

#: Where confirmed downloads are recorded (the audit log reads this logger).
AUDIT_LOGGER = "survey.audit"
audit = logging.getLogger(AUDIT_LOGGER)


@dataclass(frozen=True)
class Confirmation:
    """Who confirmed downloading a small programme's raw answers, and where."""

    #: The signed-in user's id; None on the command line.
    user_id: int | None
    #: "web" (the confirmation form) or "cli" (``survey report --confirm-small-group``).
    channel: str


def minimum_group_size(programme: Programme) -> int:
    """The smallest group whose answers ``programme``'s pages and documents may show."""
    return programme.minimum_group_size


def raw_data_needs_confirmation(session: Session, programme: Programme) -> bool:
    """Whether ``programme`` has answers but fewer than its minimum group size."""
    return disclosure.raw_data_needs_confirmation(response_count(session, programme), minimum_group_size(programme))


def record_small_group_download(programme: Programme, fmt: str, lang: str, confirmation: Confirmation) -> None:
    """Record that the raw answers of ``programme``, under its minimum group size,
    were downloaded as ``fmt`` in ``lang`` after ``confirmation``.

    The one place this event is written: a record on the ``survey.audit``
    logger, with the event's fields as ``extra`` for a handler that stores them.
    """
    fields = {
        "event": "small_group_download",
        "programme": programme.slug,
        "programme_id": programme.id,
        "format": fmt,
        "language": lang,
        "user_id": confirmation.user_id,
        "channel": confirmation.channel,
        "minimum_group_size": minimum_group_size(programme),
    }
    audit.info(
        "small-group raw data downloaded: programme=%s format=%s user=%s channel=%s",
        programme.slug,
        fmt,
        confirmation.user_id,
        confirmation.channel,
        extra={"audit": fields},
    )
