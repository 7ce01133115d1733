"""Exclude a response from every count (a test, a duplicate), or include it again.

Nothing is deleted: the response keeps its answers, only :attr:`Response.excluded`
changes, and each change is written to the :class:`Exclusion` log (who, when,
why) in the same transaction.
"""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.orm import Session

from survey.models import Exclusion, Programme, Response
from survey.services import DomainError, NotFound
from survey.storage.engines import write_intent


class AlreadyDone(DomainError):
    """The response is already excluded (or already counted): nothing changed.

    A second click, or two organisers at once; the log gets no second line.
    """

    def __init__(self, excluded: bool) -> None:
        self.excluded = excluded
        super().__init__("already excluded" if excluded else "already included")


def set_excluded(
    session: Session,
    programme: Programme,
    response_id: uuid.UUID,
    *,
    excluded: bool,
    user_id: int,
    reason: str,
) -> None:
    """Exclude (``excluded=True``) or include again a response of ``programme``,
    and log it, in one transaction.

    The change is a conditional UPDATE, so of two simultaneous identical
    requests one changes the response and the other raises AlreadyDone.

    :raises NotFound: no such response in this programme.
    :raises AlreadyDone: the response is already in that state.
    """
    programme_id = programme.id
    # End the request's read snapshot: the write runs in a transaction of its own.
    session.rollback()
    with write_intent():
        result = cast(
            "CursorResult[object]",
            session.execute(
                update(Response)
                .where(
                    Response.id == response_id,
                    Response.programme_id == programme_id,
                    Response.excluded.is_(not excluded),
                )
                .values(excluded=excluded)
                .execution_options(synchronize_session=False)
            ),
        )
        if result.rowcount != 1:
            session.rollback()
            found = session.scalar(
                select(exists().where(Response.id == response_id, Response.programme_id == programme_id))
            )
            if not found:
                raise NotFound(str(response_id))
            raise AlreadyDone(excluded)
        session.add(Exclusion(response_id=response_id, user_id=user_id, excluded=excluded, reason=reason.strip()))
        session.commit()
