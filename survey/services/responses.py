"""Submit a trainee's response: one transaction, once, whatever the network does.

The storing itself is survey.storage.store_response; this turns what it says
into a receipt or a domain error.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from survey import storage
from survey.models import AccessMode, Programme
from survey.services import DomainError, NotAccepting, NotFound
from survey.services.anonymity import group_size_of
from survey.services.answer_checks import check_answers
from survey.services.codes import CodeMissing, CodeUnknown, CodeUsed, normalise_code
from survey.services.published import PublishedProgramme, out_of_date
from survey.storage import Outcome, Refusal, SubmittedAnswer


@dataclass(frozen=True)
class Receipt:
    response_id: uuid.UUID
    #: True when this idempotency key had already been stored: nothing new was written.
    duplicate: bool


class KeyReused(DomainError):
    """An idempotency key that belongs to another programme's response."""


class PaperNumberTaken(DomainError):
    """A paper form with this number was already typed in for the programme."""

    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"paper form {number} was already typed in")


def submit_response(
    session: Session,
    programme: Programme | PublishedProgramme,
    answers: Sequence[SubmittedAnswer],
    *,
    language: str,
    idempotency_key: str,
    source: str = "web",
    paper_number: int | None = None,
    access_code: str | None = None,
) -> Receipt:
    """Store one response and all its answers in a single transaction.

    A second call with the same ``idempotency_key`` (a double tap, a re-sent
    POST after a timeout) writes nothing and returns the first receipt.

    Raises NotAccepting when the programme does not take answers now,
    KeyReused when the key was used for another programme, PaperNumberTaken
    when ``paper_number`` was typed in already, and CodeMissing, CodeUnknown or
    CodeUsed when a web or kiosk response to a programme in "codes" mode does
    not bring an unused ``access_code`` of it (a shared kiosk vouches for no
    one); paper responses need no code: the organiser who types them in vouches for them. Given a worker's copy of the
    programme (survey.services.published), raises ProgrammeChanged when the
    programme changed since: the answers were checked against a programme that
    no longer is. Given the programme itself (paper entry, the demo, any caller
    without the trainee form's checks), raises AnswerRefused for an answer its
    questionnaire does not accept (a point outside the scale) before writing.
    """
    copy = programme if isinstance(programme, PublishedProgramme) else None
    if not isinstance(programme, PublishedProgramme):  # the trainee form's copy checked them already
        check_answers(programme, answers)
    needs_code = programme.access_mode == AccessMode.CODES.value and source in ("web", "kiosk")
    new = storage.NewResponse(
        destination=storage.Destination(
            programme_id=programme.id,
            questionnaire_id=programme.questionnaire_id,
            questionnaire_key=programme.questionnaire_key,
            accepting=programme.accepting(datetime.now(UTC)),
            version=None if copy is None else copy.version[1:],
        ),
        answers=answers,
        language=language,
        idempotency_key=idempotency_key,
        source=source,
        paper_number=paper_number,
        access_code=normalise_code(access_code or "") if needs_code else None,
        reveal_codes_by=group_size_of(programme),
    )
    status = programme.status
    # End the request's read transaction, if any: the response is written in one of its own.
    session.rollback()
    result = storage.store_response(session.get_bind(), new)
    if result.outcome is not Outcome.REFUSED:
        assert result.response_id is not None
        return Receipt(result.response_id, duplicate=result.outcome is Outcome.ALREADY_STORED)
    refusal = result.refusal
    if refusal is Refusal.CLOSED:
        raise NotAccepting(status, programme)
    if refusal is Refusal.PROGRAMME_CHANGED:
        if copy is not None:
            raise out_of_date(copy)
        raise NotFound(str(programme.id))
    if refusal is Refusal.PAPER_NUMBER_TAKEN:
        raise PaperNumberTaken(paper_number or 0)
    if refusal is Refusal.KEY_OF_ANOTHER_PROGRAMME:
        raise KeyReused("this form key was already used for another programme")
    code = access_code or ""
    if refusal is Refusal.CODE_MISSING:
        raise CodeMissing()
    if refusal is Refusal.CODE_USED:
        raise CodeUsed(code)
    raise CodeUnknown(code)
