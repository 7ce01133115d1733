"""Small-group disclosure control: the one place that says which groups are too small to show.

A trainee is promised that what they answered cannot be traced back to them.
Among a handful of respondents, a distribution, a mean or a comment points at
a person, so every document, the live dashboard and the comparison ask this
module before they show anything about a group of respondents:

* a programme with fewer responses than its minimum group size (but some) shows its count
  and a plain message, never a distribution, a score, an NPS or a comment
  (:func:`programme_withheld`);
* in a breakdown (responses by language, a session's raters), a group of 1 to
  ``minimum - 1`` respondents is hidden, and when the total minus the groups
  shown would give a single hidden group away, the next smallest group is hidden
  too (:func:`hidden_groups`, complementary suppression);
* the comments of hidden language groups carry no language label: they are
  pooled, unlabelled and uncounted by language (:func:`comment_language`);
* the raw data of a programme under the minimum (0 < n < minimum) is
  downloaded only after an explicit, logged confirmation
  (:func:`raw_data_needs_confirmation`).

The minimum is set per programme (default :data:`DEFAULT_MINIMUM_GROUP`) and
may not go below :data:`SMALLEST_MINIMUM_GROUP`: in a group of two, each
member who knows their own answer reads the other's exactly from the group's
figures; with three, one member still sees only two others pooled.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from reports import stats
from reports.kinds import kind_of

if TYPE_CHECKING:  # reports.data takes its default minimum from here
    from reports.data import ProgrammeData, Tally

#: Default minimum group size of a programme (docs/statistics.md, "Small groups").
DEFAULT_MINIMUM_GROUP = 5
#: The lowest minimum an organiser may set (see the module docstring for why not 2).
SMALLEST_MINIMUM_GROUP = 3
#: The highest: above it nearly every programme would be withheld whole.
LARGEST_MINIMUM_GROUP = 50
#: Reason code (``withheld_<code>`` in :mod:`reports.labels`) for a programme withheld whole.
SMALL_GROUP = "small_group"
#: Reason code for a group of a breakdown hidden by the rule.
SMALL_CELL = "small_cell"

K = TypeVar("K", bound=Hashable)


def programme_withheld(n_responses: int, minimum: int) -> bool:
    """Whether a programme's answers are withheld whole: 1 to ``minimum - 1``
    responses (with none, there is nothing to give away, and nothing to show)."""
    return small_group(n_responses, minimum)


def small_group(n: int, minimum: int) -> bool:
    """Whether a group of ``n`` respondents is too small to show (an empty one is not:
    it has nothing to give away)."""
    return 0 < n < minimum


def raw_data_needs_confirmation(n_responses: int, minimum: int) -> bool:
    """Whether downloading the raw answers of a programme needs an explicit, logged confirmation."""
    return small_group(n_responses, minimum)


def hidden_groups(counts: Mapping[K, int], minimum: int) -> frozenset[K]:
    """The groups of a breakdown that are not shown: the small ones and, where a
    single one would be recovered by subtraction from the total, a second one
    (:func:`reports.stats.suppress_small_cells`)."""
    return stats.suppress_small_cells(counts, minimum).hidden


def hidden_languages(data: ProgrammeData) -> frozenset[str]:
    """The response languages of ``data`` whose groups are hidden."""
    return hidden_groups(dict(data.responses_by_language), data.programme.minimum_group_size)


def comment_language(language: str, hidden: frozenset[str]) -> str:
    """The language label a comment may carry: its own, or "" when its group is hidden."""
    return "" if language in hidden else language


def hidden_items(data: ProgrammeData) -> frozenset[tuple[str, str]]:
    """(question code, item) of every per-session item rated by too few trainees.

    A session's raters are a group of the cohort; sessions are rated side by
    side, not as parts of one total, so there is nothing to subtract from and
    no complementary cell. Before/after sides are the whole cohort twice, not groups.
    """
    minimum = data.programme.minimum_group_size
    hidden = set()
    for question in data.questionnaire.questions:
        if kind_of(question).per_session:
            for item in question.items:
                if small_group(item_answers(data.tallies, question.code, item.value), minimum):
                    hidden.add((question.code, item.value))
    return frozenset(hidden)


def item_answers(tallies: Sequence[Tally], question: str, item: str) -> int:
    """How many answered ``item`` of ``question``."""
    return sum(t.count for t in tallies if t.question == question and t.item == item)


def published_data(data: ProgrammeData) -> ProgrammeData:
    """``data`` as a chart may draw it: the per-session items rated by too few
    trainees (:func:`hidden_items`) are left out, questions and tallies alike."""
    hidden = hidden_items(data)
    if not hidden:
        return data
    questions = []
    for question in data.questionnaire.questions:
        if any((question.code, item.value) in hidden for item in question.items):
            kept = tuple(i for i in question.items if (question.code, i.value) not in hidden)
            question = dataclasses.replace(question, items=kept)
        questions.append(question)
    tallies = tuple(t for t in data.tallies if (t.question, t.item) not in hidden)
    questionnaire = dataclasses.replace(data.questionnaire, questions=tuple(questions))
    return dataclasses.replace(data, questionnaire=questionnaire, tallies=tallies)
