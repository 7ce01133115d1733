"""Report jobs: a document asked for on the web, made later by a background worker.

A job makes one of :data:`DOCUMENTS`: a report format of
:data:`reports.documents.FORMATS`, or the classroom kit's printable paper form
(:data:`PAPER_FORM`, asked by :mod:`survey.services.paper_jobs`). The web request
only writes a ``report_jobs`` row and puts its id on the queue
(:mod:`survey.services.report_queue`); a worker process claims the row, writes
the document with :mod:`survey.services.report_documents` into the files
folder, and marks it ready, or failed with a reason. The row is the truth the
job page reads: the queue only carries ids, so a lost queue entry leaves a job
that a sweep finds and puts back.

A worker that stops mid-job (killed, restarted, the machine rebooted) stops
touching its job's ``heartbeat_at``; :func:`sweep` puts such a job back on the
queue once, then reports it failed (``interrupted``). Ready files are deleted
when their time is up (``expires_at``) and the job reads ``expired``. A finished
job's row (failed, or expired) is deleted ``retention`` after it finished, with
any file left: the rows name who asked for what, and nothing reads them after
their job page has said how it ended. Queued and running jobs are never deleted.

Unlike most services, running a job takes several transactions (claim, then the
document, then the outcome): each is short, so that the database's writers wait for
none of them.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from reports import languages
from reports.documents import COMPARISON_FORMATS, FORMATS
from reports.documents.chromium import PdfUnavailable, find_chromium, html_to_pdf
from survey.models import JobState, Programme, ReportJob, User
from survey.models.base import utcnow
from survey.services import NotFound, access, report_documents
from survey.storage.engines import write_intent

log = logging.getLogger(__name__)

#: How often a worker may run one job: once, and once more if its worker stopped.
MAX_ATTEMPTS = 2


class Reason:
    """Why a job failed: codes kept in the row, worded by the job page."""

    PDF_UNAVAILABLE = "pdf_unavailable"
    NOT_INSTALLED = "not_installed"
    INTERRUPTED = "interrupted"
    QUEUE_UNAVAILABLE = "queue_unavailable"
    ERROR = "error"


Enqueue = Callable[[str], None]


@dataclass(frozen=True)
class Document:
    """What a job's file is, for its name on disk and its download."""

    extension: str
    media_type: str


#: The printable paper form of the classroom kit: the page the organiser's request
#: rendered (kept beside the files as :func:`source_of`), printed by Chromium.
PAPER_FORM = "paper-form"

#: Every kind of document a job makes, by the name kept in ``ReportJob.fmt``.
DOCUMENTS: dict[str, Document] = {
    **{name: Document(spec.extension, spec.media_type) for name, spec in FORMATS.items()},
    PAPER_FORM: Document("pdf", "application/pdf"),
}


@dataclass(frozen=True)
class JobSettings:
    """Where files go and how long they are kept; what a worker checks."""

    files: Path
    #: How long a ready file can be downloaded.
    keep: timedelta
    #: How often a running job's worker says it is alive; a job silent for
    #: STALE_BEATS of these is taken to have lost its worker.
    heartbeat: timedelta
    plotly_js: Path | None = None
    #: How long a finished job's row (and its page) is kept after it finished.
    retention: timedelta = timedelta(days=7)

    STALE_BEATS = 6

    @property
    def stale_after(self) -> timedelta:
        return self.heartbeat * self.STALE_BEATS


def ask(
    session: Session,
    user: User,
    programmes: Sequence[Programme],
    fmt: str,
    lang: str,
    enqueue: Enqueue,
) -> ReportJob:
    """A job making ``fmt`` in ``lang`` of ``programmes`` (several: a comparison),
    queued for a worker; the same job again if this user already waits for it.

    Raises, before anything is queued, what :func:`report_documents.write_report`
    would: :class:`~report_documents.UnknownFormat`, ``UnknownLanguage``,
    ``NotComparable``, and ``PdfNotAvailable`` when this server has no Chromium.
    The caller has checked that ``user`` may see every programme.
    """
    comparison = len(programmes) > 1
    if comparison:
        if len({p.id for p in programmes}) != len(programmes):
            raise report_documents.NotComparable("compare different programmes")
        report_documents.check_comparable(fmt)
    allowed = COMPARISON_FORMATS if comparison else tuple(FORMATS)
    if fmt not in allowed:
        raise report_documents.UnknownFormat(fmt)
    if not languages.is_supported(lang):
        raise report_documents.UnknownLanguage(lang)
    if FORMATS[fmt].printed and find_chromium() is None:
        raise report_documents.PdfNotAvailable("no Chromium")
    ids = ",".join(str(p.id) for p in programmes)
    user_id, first_id = user.id, programmes[0].id
    # End the request's read snapshot: look and write in one writer's transaction.
    session.rollback()
    with write_intent():
        waiting = session.scalars(
            select(ReportJob).where(
                ReportJob.user_id == user_id,
                ReportJob.programme_ids == ids,
                ReportJob.fmt == fmt,
                ReportJob.lang == lang,
                ReportJob.state.in_([JobState.QUEUED.value, JobState.RUNNING.value]),
            )
        ).first()
        if waiting is not None:
            session.commit()
            return waiting
        job = ReportJob(
            id=secrets.token_hex(16),
            user_id=user_id,
            programme_id=first_id,
            programme_ids=ids,
            fmt=fmt,
            lang=lang,
            state=JobState.QUEUED.value,
            attempts=0,
            created_at=utcnow(),
        )
        session.add(job)
        session.commit()
    try:
        enqueue(job.id)
    except Exception:  # the queue's store is down: say so on the job page, not with a 500
        log.exception("could not queue report job %s", job.id)
        with write_intent():
            job.state, job.reason, job.finished_at = JobState.FAILED.value, Reason.QUEUE_UNAVAILABLE, utcnow()
            session.commit()
    return job


def job_for(session: Session, user: User, job_id: str) -> ReportJob:
    """The job, if ``user`` asked for it or may see every one of its programmes;
    :class:`NotFound` otherwise (whether it exists is not revealed)."""
    job = session.get(ReportJob, job_id) if len(job_id) <= 32 else None
    if job is None:
        raise NotFound(job_id)
    if job.user_id == user.id and user.active:
        return job
    for programme_id in job.programme_id_list:
        programme = session.get(Programme, programme_id)
        if programme is None or not access.can_view(session, user, programme):
            raise NotFound(job_id)
    return job


def programmes_of(session: Session, job: ReportJob) -> list[Programme]:
    """The job's programmes, in its order."""
    found = {p.id: p for p in session.scalars(select(Programme).where(Programme.id.in_(job.programme_id_list)))}
    return [found[i] for i in job.programme_id_list if i in found]


@dataclass(frozen=True)
class Status:
    """What the job page shows."""

    state: JobState
    reason: str | None

    @property
    def finished(self) -> bool:
        return self.state in {JobState.READY, JobState.FAILED, JobState.EXPIRED}


def status(job: ReportJob, settings: JobSettings, now: datetime | None = None) -> Status:
    """The job's state as its reader should see it: a running job whose worker has
    been silent too long reads as failed (``interrupted``) even before a sweep
    puts it back, and a ready one past its time as expired."""
    now = now or utcnow()
    state = JobState(job.state)
    if state is JobState.RUNNING and _silent(job, now, settings):
        return Status(JobState.FAILED, Reason.INTERRUPTED)
    if state is JobState.READY and job.expires_at is not None and job.expires_at <= now:
        return Status(JobState.EXPIRED, None)
    return Status(state, job.reason)


def file_of(job: ReportJob, settings: JobSettings) -> Path:
    """Where the worker writes the job's file."""
    return settings.files / f"{job.id}.{DOCUMENTS[job.fmt].extension}"


def source_of(job: ReportJob, settings: JobSettings) -> Path:
    """Where a paper form's job keeps the page to print, from its asking until it ends."""
    return settings.files / f"{job.id}.page.html"


def run(session: Session, job_id: str, settings: JobSettings, beat: Callable[[], None] = lambda: None) -> JobState:
    """Claim the job and make its document (in a worker): ready, or failed with a
    reason. A job already claimed, finished or gone is left alone (returns its state).

    ``beat`` is called once claimed, so the caller can start its heartbeat."""
    now = utcnow()
    with write_intent():
        claimed = session.execute(  # type: ignore[attr-defined]  # an UPDATE's CursorResult
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state == JobState.QUEUED.value)
            .values(state=JobState.RUNNING.value, attempts=ReportJob.attempts + 1, heartbeat_at=now)
        ).rowcount
        session.commit()
    job = session.get(ReportJob, job_id)
    if job is None:
        return JobState.EXPIRED
    session.refresh(job)
    if not claimed:
        return JobState(job.state)
    beat()
    programmes = programmes_of(session, job)
    target = file_of(job, settings)
    partial = target.with_suffix(".part")
    reason: str | None = None
    try:
        if len(programmes) != len(job.programme_id_list):
            raise NotFound("programme")
        settings.files.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            if job.fmt == PAPER_FORM:
                out.write(html_to_pdf(source_of(job, settings).read_text(encoding="utf-8")))
            elif len(programmes) > 1:
                report_documents.write_comparison(
                    session, programmes, job.fmt, job.lang, out, plotly_js=settings.plotly_js
                )
            else:
                report_documents.write_report(
                    session, programmes[0], job.fmt, job.lang, out, plotly_js=settings.plotly_js
                )
        partial.replace(target)
    except (report_documents.PdfNotAvailable, PdfUnavailable):
        reason = Reason.PDF_UNAVAILABLE
    except report_documents.FormatNotInstalled:
        reason = Reason.NOT_INSTALLED
    except Exception:
        log.exception("report job %s failed", job_id)
        reason = Reason.ERROR
    finally:
        session.rollback()  # end the document's read before writing the outcome
        partial.unlink(missing_ok=True)
    done = utcnow()
    source_of(job, settings).unlink(missing_ok=True)  # printed or failed: the page is not needed again
    with write_intent():
        job.finished_at = done
        if reason is None:
            job.state = JobState.READY.value
            job.expires_at = done + settings.keep
            job.size = target.stat().st_size
            if job.fmt != PAPER_FORM:  # a paper form's name, its numbers, was given when it was asked
                job.filename = report_documents.report_filename(
                    [p.slug for p in programmes], job.fmt, job.lang, done.date()
                )
        else:
            job.state, job.reason = JobState.FAILED.value, reason
        session.commit()
    return JobState(job.state)


def heartbeat(session: Session, job_id: str) -> None:
    """Say that the job's worker is still at it."""
    with write_intent():
        session.execute(
            update(ReportJob)
            .where(ReportJob.id == job_id, ReportJob.state == JobState.RUNNING.value)
            .values(heartbeat_at=utcnow())
        )
        session.commit()


@dataclass(frozen=True)
class Swept:
    requeued: list[str]
    failed: list[str]
    expired: list[str]
    #: Finished jobs whose retention was up: their rows and files are gone.
    removed: list[str]


#: The states a job ends in, whose rows the retention removes; READY becomes EXPIRED first.
_ENDED = (JobState.FAILED.value, JobState.EXPIRED.value)


def sweep(session: Session, settings: JobSettings, enqueue: Enqueue, now: datetime | None = None) -> Swept:
    """Put back on the queue the jobs whose worker stopped (once; failed after),
    delete the files whose time is up, and the rows (and any file) of jobs that
    ended ``settings.retention`` ago. Run by every worker, regularly."""
    now = now or utcnow()
    requeued: list[str] = []
    failed: list[str] = []
    expired: list[str] = []
    removed: list[str] = []
    with write_intent():
        silent = session.scalars(
            select(ReportJob).where(
                ReportJob.state == JobState.RUNNING.value,
                ReportJob.heartbeat_at < now - settings.stale_after,
            )
        ).all()
        for job in silent:
            if job.attempts < MAX_ATTEMPTS:
                job.state = JobState.QUEUED.value
                requeued.append(job.id)
            else:
                job.state, job.reason, job.finished_at = JobState.FAILED.value, Reason.INTERRUPTED, now
                failed.append(job.id)
        for job in session.scalars(
            select(ReportJob).where(ReportJob.state == JobState.READY.value, ReportJob.expires_at <= now)
        ):
            file_of(job, settings).unlink(missing_ok=True)
            job.state = JobState.EXPIRED.value
            expired.append(job.id)
        ended_before = now - settings.retention
        for job in session.scalars(
            select(ReportJob).where(
                ReportJob.state.in_(_ENDED),
                func.coalesce(ReportJob.finished_at, ReportJob.created_at) < ended_before,
            )
        ):
            _delete_files(job, settings)
            session.delete(job)
            removed.append(job.id)
        session.commit()
    for job_id in requeued:
        enqueue(job_id)
    return Swept(requeued, failed, expired, removed)


def _delete_files(job: ReportJob, settings: JobSettings) -> None:
    """The job's document, a part left by a worker that stopped while writing it, and
    the page a paper form's job was to print."""
    target = file_of(job, settings)
    target.unlink(missing_ok=True)
    target.with_suffix(".part").unlink(missing_ok=True)
    source_of(job, settings).unlink(missing_ok=True)


def _silent(job: ReportJob, now: datetime, settings: JobSettings) -> bool:
    return job.heartbeat_at is None or job.heartbeat_at < now - settings.stale_after
