"""Answers a trainee saved to a file on a phone that never got its form through
(static/js/form.js, "Save my answers in a file"), brought in by an organiser.

They go through the one door like every response, in IMPORT mode: they keep
the time the phone saved them, are taken whatever the programme's state (it
may have closed while the phone waited), use no code (the organiser vouches
for the file, as for paper), and are stored once by the form's idempotency
key, however often the file is brought in or the phone later gets through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from survey import storage
from survey.models import Programme
from survey.services.anonymity import FINISHED
from survey.services.answer_checks import check_answers
from survey.services.responses import KeyReused, Receipt
from survey.storage import Mode, Outcome, SubmittedAnswer


def import_saved_answers(
    session: Session,
    programme: Programme,
    answers: Sequence[SubmittedAnswer],
    *,
    language: str,
    idempotency_key: str,
    saved_at: datetime,
) -> Receipt:
    """Store one saved form; a second import of it writes nothing (``duplicate``).

    ``answers`` were checked against the programme's questionnaire by the
    caller, and again here by the kinds' rules (AnswerRefused: a point outside
    the scale never reaches the database). Raises KeyReused when the key
    belongs to another programme's response.
    """
    check_answers(programme, answers)
    new = storage.NewResponse(
        destination=storage.Destination(
            programme_id=programme.id,
            questionnaire_id=programme.questionnaire_id,
            questionnaire_key=programme.questionnaire_key,
            accepting=True,
        ),
        answers=answers,
        language=language,
        idempotency_key=idempotency_key,
        source="web",
        # While the programme is open its figures are cut into batches in order of arrival
        # (survey.services.anonymity): a form dated back would slip into a batch already
        # shown and push another response out of it, which whoever imports it could then
        # read by difference. So it arrives now; once closed, it keeps the time it was saved.
        submitted_at=saved_at if programme.status in FINISHED else datetime.now(UTC),
    )
    session.rollback()  # the response is written in a transaction of its own
    result = storage.store_response(session.get_bind(), new, Mode.IMPORT)
    if result.outcome is Outcome.REFUSED or result.response_id is None:
        raise KeyReused("this form key was already used for another programme")
    return Receipt(result.response_id, duplicate=result.outcome is Outcome.ALREADY_STORED)
