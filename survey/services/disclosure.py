"""A programme's minimum group size, and the logged confirmations its small groups need.

The rule itself (which groups are too small to show) is
:mod:`reports.disclosure`'s; this module reads it for one stored programme and
records every download of the raw answers of a programme under its minimum,
which an evaluator may make only after confirming it, through the one function
:func:`record_small_group_download`; and every reading of the responses that
the responses browser holds back until a batch of k is complete
(:func:`record_waiting_responses_shown`).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy.orm import Session

from reports import disclosure
from survey.models import Programme, User
from survey.services import audit
from survey.services.aggregates import response_count
from survey.services.anonymity import group_size_of


@dataclass(frozen=True)
class Confirmation:
    """Who confirmed downloading a small programme's raw answers, and where."""

    #: The signed-in user's id; None on the command line.
    user_id: int | None
    #: "web" (the confirmation form) or "cli" (``survey report --confirm-small-group``).
    channel: str


def raw_data_needs_confirmation(session: Session, programme: Programme) -> bool:
    """Whether ``programme`` has answers but fewer than its minimum group size."""
    return disclosure.raw_data_needs_confirmation(response_count(session, programme), group_size_of(programme))


def record_small_group_download(
    session: Session, programme: Programme, fmt: str, lang: str, confirmation: Confirmation
) -> None:
    """Record in the audit log that the raw answers of ``programme``, under its minimum
    group size, were downloaded as ``fmt`` in ``lang`` after ``confirmation``: the one
    place this event is written. Commits (survey.services.audit.record)."""
    user = session.get(User, confirmation.user_id) if confirmation.user_id is not None else None
    actor = user if user is not None else f"{audit.CLI}:{getpass.getuser()}"
    detail = f"{fmt} {lang}, confirmed under the minimum group size of {group_size_of(programme)}"
    audit.record(session, actor, "small_group_download", programme, detail)


def record_waiting_responses_shown(session: Session, programme: Programme, user: User, waiting: int) -> None:
    """Record in the audit log that ``user`` confirmed reading the ``waiting``
    responses of ``programme`` not yet in a whole batch of its minimum group
    size (survey.services.responses_admin): the one place this event is
    written. Commits (survey.services.audit.record)."""
    detail = f"responses, {waiting} not yet in a batch of {group_size_of(programme)}"
    audit.record(session, user, "small_group_view", programme, detail)
