"""A whole response posted at once as data (the JSON API), checked by the form's own rules.

The trainee form and this read the same compiled questionnaire
(:func:`survey.forms.trainee.compile_form`): the same fields, the same
:class:`~survey.questionnaire.kinds.FieldRule` per field and the same readers
turn what was posted into answers, so a response sent through the API is
stored exactly as the same answers typed into the form would be. Unlike the
form, every problem is reported at once: a program has no page to turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from survey.forms.trainee import QUESTION_PREFIX, compile_form
from survey.questionnaire.kinds import FormContext
from survey.storage import SubmittedAnswer


@dataclass(frozen=True)
class CheckedAnswers:
    answers: list[SubmittedAnswer]
    #: Field (its variable name, without the form's prefix) -> the message (a lazy string).
    problems: dict[str, Any]
    #: Names posted that are not fields of this questionnaire.
    unknown: list[str]

    @property
    def valid(self) -> bool:
        return not self.problems and not self.unknown


def _posted(value: object) -> list[str]:
    """What a form would have posted for this JSON value: a list of strings."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_scalar(v) for v in value if v is not None]
    return [_scalar(value)]


def _scalar(value: object) -> str:
    if isinstance(value, bool):  # a JSON true is no scale point
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_answers(definition: Mapping[str, Any], ctx: FormContext, given: Mapping[str, object]) -> CheckedAnswers:
    """Check ``given`` (a variable name such as ``q1`` or ``sessions__12`` -> a value,
    or a list of values for a multiple choice) against every field of the questionnaire."""
    compiled = compile_form(definition, ctx)
    merged: dict[str, Sequence[str]] = {}
    unknown = []
    for name, value in given.items():
        field = QUESTION_PREFIX + name
        if field in compiled.known:
            merged[field] = _posted(value)
        else:
            unknown.append(name)
    problems = {}
    for field, rule in compiled.rules.items():
        problem = rule.problem(merged.get(field, ()))
        if problem is not None:
            problems[field.removeprefix(QUESTION_PREFIX)] = problem
    data = {name: rule.value(merged.get(name, ())) for name, rule in compiled.rules.items()}
    answers = [SubmittedAnswer(code, value) for code, read in compiled.readers for value in read(data)]
    return CheckedAnswers(answers, problems, sorted(unknown))
