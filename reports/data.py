"""The input contract of the analysis package: frozen, plain data.

The web application fills these from SQL aggregates; tests and the CLI can fill
them from any other source. Texts are ``{language: text}`` mappings so one
dataset can be reported in French, Arabic and English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from reports.disclosure import DEFAULT_MINIMUM_GROUP
from reports.kinds import kind_of

Texts = Mapping[str, str]


@dataclass(frozen=True)
class Option:
    """One allowed answer: a stored value and its label per language.

    ``code`` is the stable name of a row that the stored value does not give:
    a matrix row's value is the database id of a programme session, different
    in every cohort, so the exports name its variable after ``code``
    (``d1_2``: day 1, second session) and two cohorts' files stack. Empty:
    the value is its own code (an option, ``before``/``after``).
    """

    value: str
    label: Texts
    code: str = ""


@dataclass(frozen=True)
class Question:
    """A question as the analysis sees it.

    ``points`` are the numeric values of a scale, in order (1..5 for Likert,
    0..10 for a rating); ``point_labels`` label them per language.
    ``options`` are the choices of single/multiple choice questions.
    ``items`` are the sub-answers: ``("before", "after")`` for a before/after
    pair, one per programme session for a matrix; empty otherwise.
    """

    code: str
    #: A name of :data:`reports.kinds.KINDS`, which says how the question is reported.
    kind: str
    text: Texts
    dimension: str | None = None
    required: bool = False
    points: tuple[int, ...] = ()
    point_labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    options: tuple[Option, ...] = ()
    items: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: int
    title: Texts
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    #: Dimension code -> label per language (content_quality, professional_impact ...).
    dimensions: Mapping[str, Texts] = field(default_factory=dict)

    def question(self, code: str) -> Question:
        for question in self.questions:
            if question.code == code:
                return question
        raise KeyError(code)


@dataclass(frozen=True)
class Programme:
    slug: str
    title: str
    location: str
    country: str
    starts_on: date | None
    ends_on: date | None
    expected_participants: int | None
    languages: tuple[str, ...]
    #: The smallest group whose answers may be shown (:mod:`reports.disclosure`).
    minimum_group_size: int = DEFAULT_MINIMUM_GROUP


@dataclass(frozen=True)
class Tally:
    """How many responses gave ``value`` to ``question`` (and ``item``).

    ``item`` is ``""`` for questions without sub-answers. ``value`` is the
    numeric scale point or the chosen option of a single choice; a ticked
    option of a multiple choice is its own ``item``, with the value 1.
    """

    question: str
    item: str
    value: int | str
    count: int


@dataclass(frozen=True)
class Comment:
    question: str
    language: str
    text: str
    submitted_at: datetime


@dataclass(frozen=True)
class ProgrammeData:
    """Everything a report on one programme needs, already aggregated."""

    programme: Programme
    questionnaire: Questionnaire
    n_responses: int
    tallies: tuple[Tally, ...]
    #: Per response, the numeric answers by ``question`` or ``question:item``;
    #: only needed for statistics that cannot come from counts (alpha, paired tests).
    rows: tuple[Mapping[str, float], ...] = ()
    comments: tuple[Comment, ...] = ()
    #: (UTC submission time) of every response, for the arrivals chart.
    submitted_at: tuple[datetime, ...] = ()
    #: How many responses were given in each language, counted by the database:
    #: the language breakdown, and which comments may carry a language label.
    responses_by_language: Mapping[str, int] = field(default_factory=dict)
    #: Counted responses by channel (``web``, ``kiosk``, ``paper``).
    channels: Mapping[str, int] = field(default_factory=dict)
    #: Responses the organisers excluded (none of them is in any other figure).
    excluded: int = 0
    #: Responses received but left out of these figures while the programme is open (the
    #: latest ones, held back so that no one reads a trainee's answers by difference).
    held_back: int = 0


@dataclass(frozen=True)
class RawResponse:
    """One response in wide form, for the raw-data exports.

    ``values`` maps an export column (see :func:`raw_columns`) to its value:
    a number for scale points and ticked options, a string for choices and text.
    """

    response_id: str
    submitted_at: datetime
    language: str
    source: str
    values: Mapping[str, int | str]


@dataclass(frozen=True)
class Column:
    """A raw-data column: ``question`` code, ``item`` ("" when none) and its name."""

    name: str
    question: str
    item: str


def raw_columns(questionnaire: Questionnaire) -> tuple[Column, ...]:
    """The raw-data columns, in questionnaire order: one per question, or one per
    item (``code__before``, ``code__after``, ``code__<session id>``, ``code__<option>``)."""
    columns: list[Column] = []
    for question in questionnaire.questions:
        if kind_of(question).multiple:
            columns += [Column(f"{question.code}__{o.value}", question.code, o.value) for o in question.options]
        elif question.items:
            columns += [Column(f"{question.code}__{i.value}", question.code, i.value) for i in question.items]
        else:
            columns.append(Column(question.code, question.code, ""))
    return tuple(columns)


def option_count(tallies: Sequence[Tally], question: Question, option: str) -> int:
    """How many responses chose ``option``: a single choice stores the option as
    the value, a multiple choice as the item (with the value 1)."""
    if kind_of(question).multiple:
        return sum(t.count for t in tallies if t.question == question.code and t.item == option)
    return sum(t.count for t in tallies if t.question == question.code and str(t.value) == option)
