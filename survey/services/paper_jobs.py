"""The classroom kit's printable paper form, printed as a PDF by the report worker.

Chromium takes most of a core for a while: it never runs in a web request. The
organiser's request renders the page to print (cheap, and the very page the
HTML preview shows), and :func:`ask` keeps it beside the jobs' files and queues
a job of kind :data:`~survey.services.report_jobs.PAPER_FORM` on the reports'
queue; the worker prints it (:func:`survey.services.report_jobs.run`), and the
job page offers the file as it does a report.

Why the worker's file replaced the per-process cache of printed forms: a ready
job's file is on disk for every web process and host that shares the jobs'
folder, for as long as a report is kept (``SURVEY_REPORT_KEEP_MINUTES``), and
is found by the digest of the page it printed (``ReportJob.source_digest``).
That page shows everything the PDF holds (questionnaire version, the
programme's texts, language, form numbers, privacy notice), so an identical
page asked again, by any staff member who may see the programme, is served the
same job and file without a second print, and a change to any of them makes
another page, another digest and another print. A page asked again while its
job waits or runs is that job too, so the queue, not a lock, makes sure that
one page is printed once at a time. Once the file has expired, the next ask
prints it again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.documents.chromium import find_chromium
from survey.models import JobState, Programme, ReportJob, User
from survey.models.base import utcnow
from survey.services import report_documents
from survey.services.report_jobs import PAPER_FORM, Enqueue, JobSettings, Reason, source_of
from survey.storage.engines import write_intent

log = logging.getLogger(__name__)


def filename(programme: Programme, lang: str, numbers: range) -> str:
    """``niamey-2026-paper-fr-1-30.pdf``: the programme, the language and the form numbers."""
    return f"{programme.slug}-paper-{lang}-{numbers.start}-{numbers.stop - 1}.pdf"


def ask(
    session: Session,
    user: User,
    programme: Programme,
    lang: str,
    numbers: range,
    page: str,
    enqueue: Enqueue,
    settings: JobSettings,
) -> ReportJob:
    """The job printing ``page`` (the paper form of ``programme`` in ``lang``, forms
    ``numbers``): one already queued, running or ready for this very page, whoever
    asked for it, or a new one, queued.

    Raises :class:`~survey.services.report_documents.PdfNotAvailable` before
    anything is written when this server has no Chromium. The caller has checked
    that ``user`` may manage ``programme``.
    """
    if find_chromium() is None:
        raise report_documents.PdfNotAvailable("no Chromium")
    digest = hashlib.sha256(page.encode("utf-8")).hexdigest()
    user_id, programme_id, name = user.id, programme.id, filename(programme, lang, numbers)
    # End the request's read snapshot: look and write in one writer's transaction.
    session.rollback()
    with write_intent():
        now = utcnow()
        for found in session.scalars(
            select(ReportJob)
            .where(
                ReportJob.fmt == PAPER_FORM,
                ReportJob.programme_id == programme_id,
                ReportJob.source_digest == digest,
                ReportJob.state.in_([JobState.QUEUED.value, JobState.RUNNING.value, JobState.READY.value]),
            )
            .order_by(ReportJob.created_at.desc())
        ):
            if found.state != JobState.READY.value or (found.expires_at is not None and found.expires_at > now):
                session.commit()
                return found
        job = ReportJob(
            id=secrets.token_hex(16),
            user_id=user_id,
            programme_id=programme_id,
            programme_ids=str(programme_id),
            fmt=PAPER_FORM,
            lang=lang,
            state=JobState.QUEUED.value,
            attempts=0,
            created_at=now,
            filename=name,
            source_digest=digest,
        )
        _keep_page(job, page, settings)
        session.add(job)
        session.commit()
    try:
        enqueue(job.id)
    except Exception:  # the queue's store is down: say so on the job page, not with a 500
        log.exception("could not queue paper form job %s", job.id)
        with write_intent():
            job.state, job.reason, job.finished_at = JobState.FAILED.value, Reason.QUEUE_UNAVAILABLE, utcnow()
            session.commit()
        source_of(job, settings).unlink(missing_ok=True)
    return job


def _keep_page(job: ReportJob, page: str, settings: JobSettings) -> None:
    """Write the page where the worker will read it (before the job can be seen)."""
    settings.files.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = source_of(job, settings)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(page)
