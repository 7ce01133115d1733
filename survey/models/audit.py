"""The audit log: who took which data out of the service, and who erased it.

Kept apart from what it is about: an entry survives the user (``actor``
keeps the e-mail address it had) and the erasure of the programme's answers
(``programme`` keeps its slug). It never holds the data itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: Who did it: the user's e-mail address then, or "cli", or "retention".
    actor: Mapped[str] = mapped_column(String(254))
    #: What was done: "export", "report", "erase", "retention_erase", ...
    action: Mapped[str] = mapped_column(String(32))
    programme_id: Mapped[int | None] = mapped_column(Integer, index=True)
    programme: Mapped[str] = mapped_column(String(64), default="")
    #: The format, the page or the command: "csv", "pdf", "codes.pdf".
    detail: Mapped[str] = mapped_column(String(200), default="")
