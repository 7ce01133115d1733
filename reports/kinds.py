"""How the analysis treats each question kind: one class per kind, under the
names of the application's registry (``survey.questionnaire.kinds``), which
this package may not import.

:class:`reports.data.Question` keeps its kind as a name; every decision the
summary, the charts and the documents take on it is a look-up here
(:func:`kind_of`): whether it is summarised as a scale or as shares of options,
which chart draws it (:class:`Chart`), how the codebook and the raw-data
exports write it, and its measurement level in SPSS and R (:class:`Level`).
This module imports nothing of the package, so every module of it can read it.
"""

from __future__ import annotations

from enum import Enum
from typing import ClassVar, Protocol


class Chart(Enum):
    """The figure that draws one question (:func:`reports.charts.figure_for_question`)."""

    #: Diverging stacked bars around the scale's middle.
    DIVERGING = "diverging"
    #: Bars of each point of a 0-10 scale, coloured as detractors, passives and promoters.
    DISTRIBUTION = "distribution"
    #: A dumbbell from the mean before to the mean after.
    DUMBBELL = "dumbbell"
    #: A heat map, one row per item, one column per point.
    HEATMAP = "heatmap"
    #: Horizontal bars, one per option.
    BARS = "bars"


class Level(Enum):
    """Measurement level, as SPSS's VARIABLE LEVEL names it."""

    NOMINAL = "NOMINAL"
    ORDINAL = "ORDINAL"
    SCALE = "SCALE"


class ReportKind:
    """Base class: a kind whose answers are free text; subclasses say what differs."""

    name: ClassVar[str]
    #: Answers are points of an ordered numeric scale: counts per point, mean, SD.
    scale: ClassVar[bool] = False
    #: Answers are among the question's options: counts and shares per option.
    choice: ClassVar[bool] = False
    #: Several options per response: one 0/1 variable per option, shares of all responses.
    multiple: ClassVar[bool] = False
    #: Answers are comments: listed, neither summarised nor charted.
    free_text: ClassVar[bool] = False
    #: Items ``before`` and ``after``: paired tests, reported together in their own section.
    paired: ClassVar[bool] = False
    #: One item per programme session: a group of the cohort, hidden when small.
    per_session: ClassVar[bool] = False
    #: Scored in the question's dimension (single agreement items only).
    in_dimension: ClassVar[bool] = False
    #: Gets a top-2-box share, on a scale of four points or more.
    top_box: ClassVar[bool] = False
    #: Gets a net promoter score, on a 0-10 scale.
    nps: ClassVar[bool] = False
    #: The figure that draws it; None: not charted.
    chart: ClassVar[Chart | None] = None
    #: Its variables' measurement level in SPSS and R; None: text, left as it is.
    level: ClassVar[Level | None] = None

    @property
    def numeric(self) -> bool:
        """Whether its export variables hold numbers (scale points, 0/1 for an option)."""
        return self.scale or self.multiple


class Likert(ReportKind):
    name = "likert"
    scale = True
    in_dimension = True
    top_box = True
    chart = Chart.DIVERGING
    level = Level.ORDINAL


class Rating(ReportKind):
    name = "rating"
    scale = True
    nps = True
    chart = Chart.DISTRIBUTION
    level = Level.SCALE


class BeforeAfter(ReportKind):
    name = "before_after"
    scale = True
    paired = True
    chart = Chart.DUMBBELL
    level = Level.ORDINAL


class Matrix(ReportKind):
    name = "matrix"
    scale = True
    per_session = True
    chart = Chart.HEATMAP
    level = Level.ORDINAL


class SingleChoice(ReportKind):
    name = "single_choice"
    choice = True
    chart = Chart.BARS
    level = Level.NOMINAL


class MultipleChoice(ReportKind):
    name = "multiple_choice"
    choice = True
    multiple = True
    chart = Chart.BARS
    level = Level.NOMINAL


class ShortText(ReportKind):
    name = "short_text"
    free_text = True


class LongText(ReportKind):
    name = "long_text"
    free_text = True


KINDS: dict[str, ReportKind] = {
    kind.name: kind()
    for kind in (Likert, Rating, SingleChoice, MultipleChoice, ShortText, LongText, BeforeAfter, Matrix)
}


class HasKind(Protocol):
    @property
    def kind(self) -> str: ...


def kind_of(question: HasKind) -> ReportKind:
    """How ``question`` (a :class:`reports.data.Question`) is reported; KeyError for an unknown kind."""
    return KINDS[question.kind]
