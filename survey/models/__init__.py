"""Typed SQLAlchemy models, one module per aggregate."""

from survey.models.base import Base
from survey.models.programmes import Programme, ProgrammeSession, ProgrammeStatus, TransitionError
from survey.models.questionnaires import Question, Questionnaire
from survey.models.responses import Answer, Response
from survey.models.users import ProgrammeGrant, Role, User

__all__ = [
    "Answer",
    "Base",
    "Programme",
    "ProgrammeGrant",
    "ProgrammeSession",
    "ProgrammeStatus",
    "Question",
    "Questionnaire",
    "Response",
    "Role",
    "TransitionError",
    "User",
]
