"""Typed SQLAlchemy models, one module per aggregate."""

from survey.models.api_tokens import ApiToken, ApiTokenProgramme
from survey.models.audit import AuditEvent
from survey.models.base import Base
from survey.models.programmes import (
    AccessMode,
    KioskDevice,
    Programme,
    ProgrammeSession,
    ProgrammeStatus,
    TransitionError,
)
from survey.models.push import PushedResponse
from survey.models.questionnaires import Question, Questionnaire
from survey.models.report_jobs import JobState, ReportJob
from survey.models.responses import AccessCode, Answer, Exclusion, Response
from survey.models.users import ProgrammeGrant, Role, User

__all__ = [
    "AccessCode",
    "AccessMode",
    "Answer",
    "ApiToken",
    "ApiTokenProgramme",
    "AuditEvent",
    "Base",
    "Exclusion",
    "JobState",
    "KioskDevice",
    "Programme",
    "ProgrammeGrant",
    "ProgrammeSession",
    "ProgrammeStatus",
    "PushedResponse",
    "Question",
    "Questionnaire",
    "ReportJob",
    "Response",
    "Role",
    "TransitionError",
    "User",
]
