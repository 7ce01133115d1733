"""Responses and their answers, in long format so that SQL does the counting.

A response carries no identity: no user, no address, no code. The fact that a
trainee used an invitation code is stored apart from what they answered.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, UTCDateTime, utcnow


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint("source IN ('web', 'kiosk', 'paper')", name="source_known"),
        UniqueConstraint("programme_id", "paper_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: Indexed by the unique (programme_id, paper_number), whose first column it is.
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"))
    #: The questionnaire version the trainee answered.
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Language the form was filled in (fr, en, ar).
    language: Mapped[str] = mapped_column(String(8))
    #: Random key minted when the form was first shown; a re-sent form carries
    #: the same key, so a double tap stores one response.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: How the answers arrived: the web form, a shared kiosk, or a typed-in paper form.
    source: Mapped[str] = mapped_column(String(8), default="web")
    #: The number printed on a paper form that was typed in, so it is typed in once.
    paper_number: Mapped[int | None] = mapped_column(Integer)
    #: Left out of every chart, statistic and export (a test, a duplicate); never deleted.
    excluded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id", "item"),
        CheckConstraint("number IS NOT NULL OR text IS NOT NULL", name="has_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Indexed by the unique (response_id, question_id, item), whose first column it is.
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    #: Sub-answer: "before"/"after", a session id of a matrix, a chosen option
    #: of a multiple choice; "" for questions with one answer.
    item: Mapped[str] = mapped_column(String(64), default="")
    #: Scale point (Likert 1-5, rating 0-10), or 1 for a ticked option.
    number: Mapped[int | None] = mapped_column(Integer)
    #: Free text, or the chosen option's value.
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")


class Exclusion(Base):
    """The log of excluding (or including again) a response: who, when, why."""

    __tablename__ = "exclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: True when the response was excluded, False when it was included again.
    excluded: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccessCode(Base):
    """A single-use invitation code.

    Deliberately holds no link to the response it let in: no response id, no
    time of use, nothing ordered by use. Only whether it was used, and whether
    staff may see so yet (revealed in batches of k, survey.services.anonymity).
    """

    __tablename__ = "access_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    #: What the trainee types: short, no ambiguous characters (see services.codes).
    code: Mapped[str] = mapped_column(String(16), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: What staff pages show as used: set for a whole batch of at least k used
    #: codes at once, so that no page tells which code went with which response.
    revealed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
