"""Several programmes of a series side by side: the same dimension scores, each with its n.

A dimension is scored exactly as in one programme's report
(:func:`reports.summary.dimension_results`), so a comparison never shows a
mean that the programme's own report contradicts. Its intervals, though, are
drawn without the finite-population correction: with it, a programme where
every trainee answered has a zero-width bar beside another's wide one, which
reads as "certain" against "uncertain" when the question side by side is
whether the programmes differ, beyond their particular trainees. A programme
that answered in full is marked (``census``) instead. Programmes whose
questionnaires differ (another code or version) are still compared on the
dimensions they share; ``same_questionnaire`` tells the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reports import disclosure, stats
from reports.data import Programme, ProgrammeData, Texts
from reports.kinds import kind_of
from reports.summary import (
    CONFIDENCE,
    NPS_POINTS,
    DimensionResult,
    dimension_results,
    dimension_scale,
    scale_counts,
)


@dataclass(frozen=True)
class ComparedProgramme:
    programme: Programme
    questionnaire: tuple[str, int]
    n_responses: int
    response_rate: float | None
    #: Net promoter score of the first 0-10 rating; None without one or without answers.
    nps: stats.NpsSummary | None
    #: Fewer responses than its minimum group size: only its count is shown (no score, no NPS).
    small_group: bool = False
    #: Every expected participant answered (n >= N): its own report's intervals
    #: shrink to the means; here they do not (see the module's docstring).
    census: bool = False


@dataclass(frozen=True)
class ComparedDimension:
    """One dimension across the programmes: ``cells[i]`` belongs to
    ``Comparison.programmes[i]``, None when its questionnaire has no such dimension."""

    code: str
    label: Texts
    cells: tuple[DimensionResult | None, ...]


@dataclass(frozen=True)
class Comparison:
    programmes: tuple[ComparedProgramme, ...]
    dimensions: tuple[ComparedDimension, ...]
    #: Languages the question and dimension texts exist in (of the first programme).
    languages: tuple[str, ...]
    same_questionnaire: bool
    confidence: float
    #: The range of the dimension items' scale (1..5), to fix a chart's axis.
    scale: tuple[float, float] | None = None
    #: The smallest of the programmes' minimum group sizes: no group under it is shown.
    minimum_group_size: int = disclosure.DEFAULT_MINIMUM_GROUP
    #: Whether the intervals use the finite-population correction: never here.
    fpc_applied: bool = False


def compare(programmes: Sequence[ProgrammeData], confidence: float = CONFIDENCE) -> Comparison:
    """Dimension scores (mean, CI without FPC, alpha, n) of each
    programme, in the given order; dimensions in the order of first appearance.
    A programme under its minimum group size keeps its count and nothing else
    (its cells are None and ``small_group`` says why).

    :raises ValueError: with no programmes.
    """
    if not programmes:
        raise ValueError("nothing to compare")
    small = [disclosure.programme_withheld(d.n_responses, d.programme.minimum_group_size) for d in programmes]
    per_programme = [
        {} if withheld else {r.code: r for r in dimension_results(data, confidence, finite_population=False)}
        for data, withheld in zip(programmes, small, strict=True)
    ]
    codes: list[str] = []
    labels: dict[str, Texts] = {}
    for results in per_programme:
        for code, result in results.items():
            if code not in labels:
                codes.append(code)
                labels[code] = result.label
    dimensions = tuple(
        ComparedDimension(
            code,
            labels[code],
            tuple(results.get(code) for results in per_programme),
        )
        for code in codes
    )
    compared = tuple(
        ComparedProgramme(
            programme=data.programme,
            questionnaire=(data.questionnaire.code, data.questionnaire.version),
            n_responses=data.n_responses,
            response_rate=stats.response_rate(data.n_responses, data.programme.expected_participants),
            nps=None if withheld else _nps(data, confidence),
            small_group=withheld,
            census=bool(data.programme.expected_participants)
            and data.n_responses >= (data.programme.expected_participants or 0),
        )
        for data, withheld in zip(programmes, small, strict=True)
    )
    versions = {c.questionnaire for c in compared}
    scale = dimension_scale(data.questionnaire for data in programmes)
    first = programmes[0].questionnaire
    minimum = min(data.programme.minimum_group_size for data in programmes)
    return Comparison(compared, dimensions, first.languages, len(versions) == 1, confidence, scale, minimum)


def _nps(data: ProgrammeData, confidence: float) -> stats.NpsSummary | None:
    for question in data.questionnaire.questions:
        if kind_of(question).nps and question.points == NPS_POINTS:
            summary = stats.net_promoter(scale_counts(data.tallies, question), confidence)
            return summary if summary.n else None
    return None
