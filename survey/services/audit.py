"""The audit log: every export and download of a programme's data, and every erasure.

One function writes it, :func:`record`, called where data leaves the service
(a report or export downloaded, a comparison, code cards printed, the
``survey report`` command) and by the erasure. An entry names who, what
programme, what format or page, and when; never the data. Each entry is also
written to the "survey.audit" logger, so the server's log keeps a copy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.models import AuditEvent, Programme, User
from survey.services.published import PublishedProgramme
from survey.storage.engines import write_intent

log = logging.getLogger("survey.audit")

#: Entries per page of the admin's audit log.
PAGE_SIZE = 50

#: Who acted when no one signed in did: the command line, the retention sweep.
CLI = "cli"
RETENTION = "retention"


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEvent]
    page: int
    pages: int
    total: int


def record(
    session: Session,
    actor: User | str,
    action: str,
    programme: Programme | PublishedProgramme | Sequence[Programme | PublishedProgramme] | None,
    detail: str = "",
) -> None:
    """Add one entry per programme (or one without a programme) and commit.

    ``actor`` is the signed-in user, or :data:`CLI` / :data:`RETENTION`;
    ``action`` what was done ("report", "compare", "codes", "erase");
    ``detail`` the format or page ("pdf fr"). Ends the caller's transaction:
    call it once the data is ready to hand over, before handing it over.
    """
    if programme is None:
        chosen: Sequence[Programme | PublishedProgramme | None] = [None]
    elif isinstance(programme, Programme | PublishedProgramme):
        chosen = [programme]
    else:
        chosen = list(programme)
    user_id, name = (actor.id, actor.email) if isinstance(actor, User) else (None, actor)
    rows = [
        AuditEvent(
            user_id=user_id,
            actor=name,
            action=action,
            programme_id=None if one is None else one.id,
            programme="" if one is None else one.slug,
            detail=detail[:200],
        )
        for one in chosen
    ]
    session.rollback()
    with write_intent():
        session.add_all(rows)
        session.commit()
    for row in rows:
        log.info("%s %s programme=%s %s", row.actor, row.action, row.programme or "-", row.detail)


def audit_page(session: Session, page: int = 1) -> AuditPage:
    """Entries newest first, ``PAGE_SIZE`` a page; a page past the end gives the last."""
    total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    entries = list(
        session.scalars(
            select(AuditEvent)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return AuditPage(entries=entries, page=page, pages=pages, total=total)
