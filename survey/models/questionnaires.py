"""Versioned questionnaire definitions and their questions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Base, UTCDateTime, utcnow


class Questionnaire(Base):
    """One version of a questionnaire.

    A version that has responses is never changed in place: importing a changed
    definition under the same code makes the next version.
    """

    __tablename__ = "questionnaires"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    #: Title per language: {"fr": ..., "en": ..., "ar": ...}.
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    #: The validated definition as loaded from YAML; the source of truth for the form.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def key(self) -> tuple[int, str, int, datetime]:
        """Names this stored version for good (its id alone could come back after a
        delete): what per-worker caches of a version's definition and questions use."""
        return (self.id, self.code, self.version, self.created_at)

    def __repr__(self) -> str:
        return f"<Questionnaire {self.code} v{self.version}>"


class Question(Base):
    """A question row, so that answers can reference it and SQL can group by it."""

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("questionnaire_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaires.id", ondelete="CASCADE"))
    #: Stable code, the column name in exports (e.g. "cq_relevance").
    code: Mapped[str] = mapped_column(String(64))
    #: Question kind, a key of the kind registry (likert, rating, ...).
    kind: Mapped[str] = mapped_column(String(32))
    #: content_quality, professional_impact, organisation, or None.
    dimension: Mapped[str | None] = mapped_column(String(64))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Order in the questionnaire, from 0.
    position: Mapped[int] = mapped_column(Integer)
    #: Page of the form, from 0.
    page: Mapped[int] = mapped_column(Integer, default=0)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")
