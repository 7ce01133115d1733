"""A document asked for on the web and made in the background (see survey.services.report_jobs)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, UTCDateTime, utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    #: Was ready; its file was deleted once its time was up.
    EXPIRED = "expired"


class ReportJob(Base):
    """One document of one or more programmes (a comparison), for the user who asked.

    ``id`` is random and unguessable, but it is never the only check: the job
    page and its file are shown to the user who asked, or to staff who may see
    every one of its programmes.
    """

    __tablename__ = "report_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'ready', 'failed', 'expired')", name="state_known"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The first programme: whose page lists the job, whose slug starts the file name.
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    #: Every programme of the document, in order, as "3,7" (one for a report, more for a comparison).
    programme_ids: Mapped[str] = mapped_column(String(400))
    fmt: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED.value)
    #: Why it failed, as a code the job page words in the reader's language.
    reason: Mapped[str | None] = mapped_column(String(32))
    #: Runs started: a job whose worker stopped is run once more, then reported failed.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Touched by the worker while it makes the document; an old one means the worker stopped.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the file is deleted (ready jobs only).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The name the browser saves it under, and its size in bytes.
    filename: Mapped[str | None] = mapped_column(String(300))
    size: Mapped[int | None] = mapped_column(Integer)
    #: A paper form's job only: the SHA-256 of the page it prints, which names everything the
    #: PDF shows, so that an identical page asked again is served this job's file.
    source_digest: Mapped[str | None] = mapped_column(String(64), index=True)

    @property
    def programme_id_list(self) -> list[int]:
        return [int(part) for part in self.programme_ids.split(",")]
