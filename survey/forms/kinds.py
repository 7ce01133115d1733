"""How each question kind is asked on a form: its HTML control, its layout and
its WTForms field, one class per kind of the domain registry
(:data:`survey.questionnaire.kinds.KINDS`), under the same names.

The trainee form checks the domain's :class:`FieldRule` in a loop and never
builds these fields; the paper data-entry form does, and wraps each rule in
:class:`FollowsRule`, so both forms accept exactly the same answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from wtforms import Field, RadioField, SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation

from survey.questionnaire.kinds import KINDS as DOMAIN_KINDS
from survey.questionnaire.kinds import FieldRule, FormContext, clean_text


class FollowsRule:
    """A WTForms validator that applies a FieldRule, for forms other than the trainee's."""

    def __init__(self, rule: FieldRule) -> None:
        self.rule = rule

    def __call__(self, form: Any, field: Field) -> None:
        problem = self.rule.problem([str(v) for v in field.raw_data or []])
        if problem is not None:
            raise StopValidation(problem)


class FormKind:
    """Base class: a kind answered by ticking among values (a scale's points or options)."""

    name: ClassVar[str]
    #: The HTML control of each value: radio, checkbox, text or textarea.
    control: ClassVar[str] = "radio"
    #: How the page lays the question out: scale (labelled points), anchored (numbered
    #: points, only both ends labelled, as anchors), options, or text.
    style: ClassVar[str]
    field_class: ClassVar[type[Field]] = RadioField

    def fields(self, question: Mapping[str, Any], ctx: FormContext) -> dict[str, Field]:
        """The question's fields as WTForms fields (unbound), checked by the rules of
        the domain's kind of the same name."""
        return {name: self.field(rule) for name, rule in DOMAIN_KINDS[self.name].rules(question, ctx).items()}

    def field(self, rule: FieldRule) -> Field:
        # validate_choice=False: FollowsRule says what is wrong, in the rule's own words.
        choices = [SelectChoice(v, v) for v in rule.choices]
        return self.field_class(choices=choices, validate_choice=False, validators=[FollowsRule(rule)])


class TextKind(FormKind):
    """A kind answered by typing."""

    control = "text"
    style = "text"
    field_class = StringField

    def field(self, rule: FieldRule) -> Field:
        return self.field_class(filters=[clean_text], validators=[FollowsRule(rule)])


class Likert(FormKind):
    name = "likert"
    style = "scale"


class Rating(FormKind):
    name = "rating"
    style = "anchored"


class BeforeAfter(FormKind):
    name = "before_after"
    style = "scale"


class Matrix(FormKind):
    name = "matrix"
    style = "scale"


class SingleChoice(FormKind):
    name = "single_choice"
    style = "options"


class MultipleChoice(FormKind):
    name = "multiple_choice"
    control = "checkbox"
    style = "options"
    field_class = SelectMultipleField


class ShortText(TextKind):
    name = "short_text"


class LongText(TextKind):
    name = "long_text"
    control = "textarea"
    field_class = TextAreaField


KINDS: dict[str, FormKind] = {
    kind.name: kind()
    for kind in (Likert, Rating, SingleChoice, MultipleChoice, ShortText, LongText, BeforeAfter, Matrix)
}


def form_kind(question: Mapping[str, Any]) -> FormKind:
    """How ``question`` is asked on a form; KeyError for a kind no form knows."""
    return KINDS[question["kind"]]
