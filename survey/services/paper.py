"""The classroom kit: paper forms typed in by an organiser, and the shared kiosk.

A printed form carries a number on every page; the number is stored on the
response (``Response.paper_number``, unique per programme), so the same sheet
cannot be typed in twice, even by two organisers at the same moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.models import Programme, Response
from survey.services import DomainError
from survey.services.published import PublishedProgramme
from survey.services.responses import PaperNumberTaken, Receipt, submit_response
from survey.storage import SubmittedAnswer

#: Highest number a printed form may carry; five digits fit the box on the sheet.
MAX_PAPER_NUMBER = 99999


class EmptyPaperForm(DomainError):
    """Nothing was ticked or written: a blank sheet is not a response."""


@dataclass(frozen=True)
class PaperTally:
    """The paper forms typed in so far, by their printed numbers (ascending)."""

    numbers: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.numbers)


def enter_paper_form(
    session: Session,
    programme: Programme,
    answers: Sequence[SubmittedAnswer],
    *,
    language: str,
    paper_number: int,
    idempotency_key: str,
) -> Receipt:
    """Store a typed-in paper form as a response with source "paper".

    Only what was ticked is stored: paper forms are often incomplete, so no
    answer is required, but the caller has checked ranges and types. The same
    ``idempotency_key`` sent twice (a double press on Save) stores one response.
    Raises EmptyPaperForm, PaperNumberTaken, and what submit_response raises
    (NotAccepting when the programme does not take responses).
    """
    if not answers:
        raise EmptyPaperForm("no answer was entered")
    # Checked first for a clear refusal; the unique constraint below settles races.
    holder = session.scalar(
        select(Response.idempotency_key).where(
            Response.programme_id == programme.id, Response.paper_number == paper_number
        )
    )
    if holder is not None and holder != idempotency_key:
        raise PaperNumberTaken(paper_number)
    # Another organiser may store the same number between the check and the
    # write: the store refuses it then (PaperNumberTaken).
    return submit_response(
        session,
        programme,
        answers,
        language=language,
        idempotency_key=idempotency_key,
        source="paper",
        paper_number=paper_number,
    )


def paper_tally(session: Session, programme: Programme) -> PaperTally:
    """The numbers of the paper forms typed in for ``programme``, so gaps show."""
    numbers = session.scalars(
        select(Response.paper_number)
        .where(Response.programme_id == programme.id, Response.paper_number.is_not(None))
        .order_by(Response.paper_number)
    )
    return PaperTally(numbers=tuple(int(n) for n in numbers if n is not None))


def already_stored(session: Session, programme: Programme | PublishedProgramme, idempotency_key: str) -> bool:
    """Whether a response with this form key exists for the programme.

    The kiosk uses it to turn a re-sent page of a finished form (the back
    button on a shared tablet) into the thank-you screen instead of showing the
    previous trainee's answers again.
    """
    found = session.scalar(
        select(Response.id).where(Response.programme_id == programme.id, Response.idempotency_key == idempotency_key)
    )
    return found is not None
