"""The question-kind registry of the domain: each kind validates its
definition, says what each of its form fields accepts (:class:`FieldRule`),
turns submitted values into answer rows, and describes itself.

The description (``scale``, ``choice``, ``multiple``, ``free_text``,
``paired``, ``per_session``) is what the other layers ask instead of comparing
kind names: the forms (:mod:`survey.forms.kinds`), the services, and through
the reports' own registry (:mod:`reports.kinds`, same names) the documents.
A new kind is one class in each of those three modules; ``tests/test_question_kinds.py``
fails until every layer has it (see CONTRIBUTING.md, "Add a question kind").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, NamedTuple

from flask_babel import lazy_gettext as _l

from survey.questionnaire.texts import texts_per_language


@dataclass(frozen=True)
class FormContext:
    """What fields need beyond the definition: the programme's sessions and limits."""

    #: (session id, label) of each programme session, for matrix questions.
    #: (session id, title, "session" or "workshop") of each programme session.
    sessions: Sequence[tuple[int, str, str]] = ()
    max_text_length: int = 2000
    #: The definition's named scales: {name: {"points": [...], "labels": {lang: [...]}}}.
    scales: Mapping[str, Any] = field(default_factory=dict)


class AnswerValue(NamedTuple):
    """One answer row: ``item`` is "" for single-answer questions.

    A named tuple: a send makes one per answer, and a frozen dataclass cost
    several times more to build."""

    item: str
    number: int | None = None
    text: str | None = None


def field_name(code: str, item: str = "") -> str:
    return f"q__{code}__{item}" if item else f"q__{code}"


def clean_text(value: Any) -> Any:
    """Trim and drop control characters (a database may refuse NUL; none is ever meant)."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if ch in "\n\t" or ord(ch) >= 32).strip()


@dataclass(frozen=True)
class FieldRule:
    """What one form field accepts, and the message when it does not.

    Plain data, checked in a loop: the trainee form checks every field of
    every page on each send, and WTForms' field objects cost several times the
    check itself. Other forms (paper data entry) wrap the same rule in a
    WTForms validator (``survey.forms.kinds.FollowsRule``), so the rules live in one place.
    """

    #: "one" (a radio group), "many" (checkboxes) or "text".
    shape: str
    required: bool
    #: The values offered, in order ("one" and "many").
    choices: tuple[str, ...] = ()
    #: The message when a value is not among ``choices``.
    choice_message: Any = None
    #: At most this many characters ("text").
    max_length: int = 0
    #: The message for a missing answer.
    required_message: Any = None
    _allowed: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def problem(self, posted: Sequence[str]) -> Any | None:
        """The message for what was posted (a lazy string), or None when it is acceptable."""
        first = posted[0] if posted else ""
        if self.shape == "text":
            first = clean_text(first)
        blank = not any(v.strip() for v in posted) if self.shape == "many" else not first.strip()
        if blank:
            return self.required_message if self.required else None
        if self.shape == "text":
            length = len(first)
            if length > self.max_length:
                return _l(
                    "At most %(max)d characters, please: this answer has %(length)d.",
                    max=self.max_length,
                    length=length,
                )
            return None
        allowed = self._allowed
        values = posted if self.shape == "many" else posted[:1]
        if any(value not in allowed for value in values if value):
            return self.choice_message
        return None

    def value(self, posted: Sequence[str]) -> Any:
        """The answer as the kinds' ``answers`` read it: a string, a list, or None."""
        if self.shape == "many":
            return list(posted)
        if not posted:
            return None
        return clean_text(posted[0]) if self.shape == "text" else posted[0]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_allowed", frozenset(self.choices))


def _required_message() -> Any:
    return _l("Please answer this question.")


class QuestionKind:
    """Base class; subclasses set ``name``, describe themselves and override what differs."""

    name: ClassVar[str]
    #: Answers are points of a numeric scale (means and distributions apply).
    scale: ClassVar[bool] = False
    #: Answers are among the question's ``options``.
    choice: ClassVar[bool] = False
    #: Several options may be ticked: each is stored as its own item, with the number 1.
    multiple: ClassVar[bool] = False
    #: The answer is text the trainee typed (a comment), stored as text.
    free_text: ClassVar[bool] = False
    #: Two items, ``before`` and ``after`` the programme, on the same scale.
    paired: ClassVar[bool] = False
    #: One item per session of the programme (its id), as the ``rows`` setting picks them.
    per_session: ClassVar[bool] = False

    def normalise(
        self, raw: Mapping[str, Any], where: str, definition: Mapping[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        return {}

    def items(self, question: Mapping[str, Any], ctx: FormContext) -> list[tuple[str, str]]:
        """Sub-answers as (item, label); one unnamed item by default."""
        return [("", "")]

    def item_keys(self, question: Mapping[str, Any], ctx: FormContext) -> list[str]:
        """The items without their labels (which cost a translation each)."""
        return [item for item, _ in self.items(question, ctx)]

    def rules(self, question: Mapping[str, Any], ctx: FormContext) -> dict[str, FieldRule]:
        """What each of the question's form fields accepts, by field name."""
        raise NotImplementedError

    def answers(self, question: Mapping[str, Any], data: Mapping[str, Any], ctx: FormContext) -> list[AnswerValue]:
        raise NotImplementedError

    def reader(self, question: Mapping[str, Any], ctx: FormContext) -> AnswerReader:
        """``answers`` for this question and context, with what can be worked
        out once done once: a compiled form reads every send with it."""
        return lambda data: self.answers(question, data, ctx)


#: Reads one question's answers from the checked form data (see QuestionKind.reader).
AnswerReader = Callable[[Mapping[str, Any]], list[AnswerValue]]


class ScaleKind(QuestionKind):
    """A choice of one point on a numeric scale, possibly for several items."""

    scale = True

    def normalise(
        self, raw: Mapping[str, Any], where: str, definition: Mapping[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        scale = raw.get("scale")
        if scale not in definition["scales"]:
            problems.append(
                f"{where}: field scale: unknown scale {scale!r} (defined: {', '.join(definition['scales']) or 'none'})"
            )
        return {"scale": scale}

    def points(self, question: Mapping[str, Any], ctx: FormContext) -> list[int]:
        return list(ctx.scales[question["scale"]]["points"])

    def point_labels(self, question: Mapping[str, Any], ctx: FormContext, lang: str) -> list[str]:
        return list(ctx.scales[question["scale"]]["labels"].get(lang) or [])

    def rules(self, question: Mapping[str, Any], ctx: FormContext) -> dict[str, FieldRule]:
        values = tuple(str(p) for p in self.points(question, ctx))
        rule = FieldRule(
            shape="one",
            required=bool(question["required"]),
            choices=values,
            choice_message=_l("Choose one of the points from %(low)s to %(high)s.", low=values[0], high=values[-1]),
            required_message=_required_message(),
        )
        return {field_name(question["code"], item): rule for item in self.item_keys(question, ctx)}

    def answers(self, question: Mapping[str, Any], data: Mapping[str, Any], ctx: FormContext) -> list[AnswerValue]:
        return self.reader(question, ctx)(data)

    def reader(self, question: Mapping[str, Any], ctx: FormContext) -> AnswerReader:
        fields = [(item, field_name(question["code"], item)) for item in self.item_keys(question, ctx)]

        def read(data: Mapping[str, Any]) -> list[AnswerValue]:
            out = []
            for item, name in fields:
                value = data.get(name)
                if value:
                    out.append(AnswerValue(item, int(value)))
            return out

        return read


class Likert(ScaleKind):
    name = "likert"


class BeforeAfter(ScaleKind):
    """A retrospective self-rating: the same scale before the programme and now."""

    name = "before_after"
    paired = True

    def items(self, question: Mapping[str, Any], ctx: FormContext) -> list[tuple[str, str]]:
        return [("before", str(_l("Before the programme"))), ("after", str(_l("Now, after the programme")))]

    def item_keys(self, question: Mapping[str, Any], ctx: FormContext) -> list[str]:
        return ["before", "after"]


#: Which programme sessions a matrix asks about, by its ``rows`` setting.
_MATRIX_ROWS = {"all": {"session", "workshop"}, "sessions": {"session"}, "workshops": {"workshop"}}


class Matrix(ScaleKind):
    """One scale asked about each session of the programme."""

    name = "matrix"
    per_session = True

    def normalise(
        self, raw: Mapping[str, Any], where: str, definition: Mapping[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        out = super().normalise(raw, where, definition, problems)
        rows = raw.get("rows", "all")
        if rows not in {"sessions", "workshops", "all"}:
            problems.append(f"{where}: field rows: expected sessions, workshops or all")
        out["rows"] = rows
        return out

    def items(self, question: Mapping[str, Any], ctx: FormContext) -> list[tuple[str, str]]:
        wanted = _MATRIX_ROWS[question.get("rows", "all")]
        return [(str(session_id), label) for session_id, label, kind in ctx.sessions if kind in wanted]


class Rating(ScaleKind):
    """Likelihood to recommend, 0 to 10, labelled only at both ends."""

    name = "rating"
    POINTS: ClassVar[list[int]] = list(range(11))

    def points(self, question: Mapping[str, Any], ctx: FormContext) -> list[int]:
        return self.POINTS

    def point_labels(self, question: Mapping[str, Any], ctx: FormContext, lang: str) -> list[str]:
        low, high = question["anchors"].get(lang) or ["", ""]
        return [low, *[""] * 9, high]

    def normalise(
        self, raw: Mapping[str, Any], where: str, definition: Mapping[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        anchors: dict[str, list[str]] = {}
        for lang in definition["languages"]:
            pair = (raw.get("anchors") or {}).get(lang)
            if not isinstance(pair, list) or len(pair) != 2:
                problems.append(f"{where}: field anchors: {lang} needs two labels, for 0 and for 10")
                continue
            anchors[lang] = [str(pair[0]), str(pair[1])]
        return {"anchors": anchors}


class SingleChoice(QuestionKind):
    name = "single_choice"
    choice = True

    def normalise(
        self, raw: Mapping[str, Any], where: str, definition: Mapping[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        options = raw.get("options")
        if not isinstance(options, list) or len(options) < 2:
            problems.append(f"{where}: field options: at least two options are needed")
            return {"options": []}
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for number, option in enumerate(options, start=1):
            value = str((option or {}).get("value", "")) if isinstance(option, dict) else ""
            if not value or not value.replace("_", "").isalnum() or value in seen:
                problems.append(f"{where}: field options: option {number} needs a unique value of letters, digits or _")
            seen.add(value)
            label = option.get("label") if isinstance(option, dict) else None
            out.append(
                {
                    "value": value,
                    "label": texts_per_language(
                        label, f"{where}: option {value}", tuple(definition["languages"]), problems
                    ),
                }
            )
        return {"options": out}

    def _values(self, question: Mapping[str, Any]) -> list[str]:
        return [option["value"] for option in question["options"]]

    def rules(self, question: Mapping[str, Any], ctx: FormContext) -> dict[str, FieldRule]:
        rule = FieldRule(
            shape="one",
            required=bool(question["required"]),
            choices=tuple(self._values(question)),
            choice_message=_l("Choose one of the options shown."),
            required_message=_required_message(),
        )
        return {field_name(question["code"]): rule}

    def answers(self, question: Mapping[str, Any], data: Mapping[str, Any], ctx: FormContext) -> list[AnswerValue]:
        value = data.get(field_name(question["code"]))
        return [AnswerValue(item="", text=value)] if value else []


class MultipleChoice(SingleChoice):
    name = "multiple_choice"
    multiple = True

    def rules(self, question: Mapping[str, Any], ctx: FormContext) -> dict[str, FieldRule]:
        rule = FieldRule(
            shape="many",
            required=bool(question["required"]),
            choices=tuple(self._values(question)),
            choice_message=_l("Choose among the options shown."),
            required_message=_l("Please tick at least one option."),
        )
        return {field_name(question["code"]): rule}

    def answers(self, question: Mapping[str, Any], data: Mapping[str, Any], ctx: FormContext) -> list[AnswerValue]:
        chosen = data.get(field_name(question["code"])) or []
        return [AnswerValue(item=value, number=1) for value in self._values(question) if value in chosen]


class ShortText(QuestionKind):
    name = "short_text"
    free_text = True
    DEFAULT_MAX: ClassVar[int] = 200

    def normalise(
        self, raw: Mapping[str, Any], where: str, definition: Mapping[str, Any], problems: list[str]
    ) -> dict[str, Any]:
        maximum = raw.get("max_length", self.DEFAULT_MAX)
        if not isinstance(maximum, int) or not 1 <= maximum <= 10000:
            problems.append(f"{where}: field max_length: a whole number from 1 to 10000")
            maximum = self.DEFAULT_MAX
        return {"max_length": maximum}

    def limit(self, question: Mapping[str, Any], ctx: FormContext) -> int:
        return min(int(question["max_length"]), ctx.max_text_length)

    def rules(self, question: Mapping[str, Any], ctx: FormContext) -> dict[str, FieldRule]:
        rule = FieldRule(
            shape="text",
            required=bool(question["required"]),
            max_length=self.limit(question, ctx),
            required_message=_required_message(),
        )
        return {field_name(question["code"]): rule}

    def answers(self, question: Mapping[str, Any], data: Mapping[str, Any], ctx: FormContext) -> list[AnswerValue]:
        value = data.get(field_name(question["code"]))
        return [AnswerValue(item="", text=value)] if value else []


class LongText(ShortText):
    name = "long_text"
    DEFAULT_MAX = 2000


KINDS: dict[str, QuestionKind] = {
    kind.name: kind()
    for kind in (Likert, Rating, SingleChoice, MultipleChoice, ShortText, LongText, BeforeAfter, Matrix)
}


def kind_names(having: Callable[[QuestionKind], bool]) -> tuple[str, ...]:
    """The names of the kinds for which ``having`` is true, in registry order:
    what a SQL filter on the stored ``Question.kind`` compares with."""
    return tuple(name for name, kind in KINDS.items() if having(kind))
