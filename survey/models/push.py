"""What a field instance's push (survey.services.push) has had acknowledged by a central service.

One row per response and central service: the central answered that it holds
the response (stored now, or already there by its form key). The next push
sends only the responses without a row, so an interrupted push resumes where
it stopped. No time is kept: when a response went says nothing anyone needs.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from survey.models.base import Base


class PushedResponse(Base):
    __tablename__ = "pushed_responses"

    #: Erased with its response (the database cascades).
    response_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    #: The central service's address (SURVEY_CENTRAL_URL), so that another central starts afresh.
    central: Mapped[str] = mapped_column(String(300), primary_key=True)
