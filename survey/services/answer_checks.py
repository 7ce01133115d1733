"""The question kinds' own rules, applied to answers that did not come through the trainee form.

The trainee form checks every field with the kinds' :class:`FieldRule`s before
it builds its answers. Paper entry, saved-answer files and any caller of
:func:`survey.services.responses.submit_response` hand over answers already
built: without this check a 7 on a 1..5 scale reached the database, was kept
in the raw-data exports and silently left out of every statistic. Here the
same rules refuse it, before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from survey.models import Programme
from survey.questionnaire.definition import iter_questions
from survey.questionnaire.kinds import KINDS, FieldRule, field_name
from survey.services import DomainError
from survey.services.programmes import form_context
from survey.storage import SubmittedAnswer


class AnswerRefused(DomainError):
    """An answer the question's kind does not accept (a point outside the
    scale, an option not offered, an unknown question or row, a text too long)."""

    def __init__(self, question: str, item: str, value: object) -> None:
        self.question = question
        self.item = item
        self.value = value
        where = f"{question}/{item}" if item else question
        super().__init__(f"answer {value!r} to {where} is not one the question accepts")


def check_answers(programme: Programme, answers: Sequence[SubmittedAnswer]) -> None:
    """Raise :class:`AnswerRefused` for the first answer the programme's
    questionnaire does not accept; return when every one is acceptable.

    A question may be left unanswered here (paper forms are often
    incomplete): only the answers given are checked, each as its kind's rule
    would check the same value posted on the form.
    """
    if not answers:
        return
    ctx = form_context(programme)
    questions = {q["code"]: q for _page, _section, q in iter_questions(programme.questionnaire.definition)}
    rules: dict[str, dict[str, FieldRule]] = {}
    for answer in answers:
        question = questions.get(answer.question_code)
        value = answer.value
        shown = value.number if value.number is not None else value.text
        if question is None:
            raise AnswerRefused(answer.question_code, value.item, shown)
        if question["code"] not in rules:
            rules[question["code"]] = KINDS[question["kind"]].rules(question, ctx)
        if not _accepted(KINDS[question["kind"]], question["code"], rules[question["code"]], value):
            raise AnswerRefused(answer.question_code, value.item, shown)


def _accepted(kind: Any, code: str, rules: Mapping[str, FieldRule], value: Any) -> bool:
    if kind.multiple:  # a ticked option: its own item, the number 1
        rule = rules.get(field_name(code))
        return rule is not None and value.number == 1 and rule.problem([value.item]) is None and bool(value.item)
    rule = rules.get(field_name(code, value.item))
    if rule is None:
        return False
    if kind.scale:
        number = value.number
        if isinstance(number, bool) or not isinstance(number, int) or value.text is not None:
            return False
        return rule.problem([str(number)]) is None
    text = value.text
    return isinstance(text, str) and value.number is None and bool(text.strip()) and rule.problem([text]) is None
