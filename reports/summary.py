"""One programme's evaluation, computed once for every document that shows it.

:func:`summarise` turns :class:`~reports.data.ProgrammeData` into a frozen
:class:`EvaluationSummary`: the HTML, PDF and JSON documents only format what
it holds, so they cannot disagree. Every number comes from
:mod:`reports.stats` or :mod:`reports.paired`; scale statistics come from the
tallies (SQL counts), and only alpha and the before/after tests read the
per-response rows.

Where a statistic cannot be computed, its field is ``None`` and the
``withheld`` mapping of the same object says why, with a reason code that
:mod:`reports.labels` words as ``withheld_<code>`` (``too_few_answers``,
``too_few_cases`` ...). What a group too small to show is, is
:mod:`reports.disclosure`'s to say, with the programme's minimum group size: a
programme under it keeps only its count (``withheld["answers"] ==
"small_group"``); breakdowns of the respondents into groups (a session of the
programme, a response language) hide small groups and list what they hid in
``EvaluationSummary.suppressed``; comments of a hidden language group lose
their language label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from reports import disclosure, paired, stats
from reports.comment_duplicates import RepeatedComment, group_repeated
from reports.data import Comment, Option, Programme, ProgrammeData, Question, Questionnaire, Tally, Texts, option_count
from reports.kinds import kind_of
from reports.limitations import limitations
from reports.quality import DataQuality, data_quality, data_warnings, items_answered, out_of_range

CONFIDENCE = 0.95
BEFORE, AFTER = "before", "after"
NPS_POINTS = tuple(range(11))

#: Statistic name -> reason code, for the statistics left out of an object.
Withheld = Mapping[str, str]


@dataclass(frozen=True)
class ChoiceShare:
    """One option: how many chose it, as a share with its Wilson interval."""

    value: str
    label: Texts
    share: stats.ShareSummary


@dataclass(frozen=True)
class ItemSummary:
    """A sub-answer of a question: one session of a matrix, or the before or
    after side of a before/after pair. ``scale`` is None when suppressed."""

    value: str
    label: Texts
    n: int
    scale: stats.ScaleSummary | None
    suppressed: bool
    withheld: Withheld
    #: Answers stored for this item that are not a point of the scale (left out of ``n``).
    n_out_of_range: int = 0


@dataclass(frozen=True)
class QuestionSummary:
    """What the documents show for one question; which fields are set depends
    on its kind (:mod:`reports.kinds`): ``scale`` for a scale without items,
    ``top_box`` and ``nps`` where the kind has them, ``choices`` for choice
    kinds, ``items`` for a scale with items (matrix, before/after). ``n`` is the number of answers the figures rest
    on; for a multiple choice, where one response ticks several options, it is
    every response, the base of its shares; for a matrix, the trainees who
    rated at least one of its rows (each row's own n is on its item).
    ``n_out_of_range`` counts stored answers that are not a point of the
    scale: left out of every figure, counted here (and kept in the raw data),
    so that answered + out of range + skipped = responses."""

    question: Question
    n: int
    scale: stats.ScaleSummary | None = None
    top_box: stats.ShareSummary | None = None
    top_values: tuple[int, ...] = ()
    nps: stats.NpsSummary | None = None
    choices: tuple[ChoiceShare, ...] = ()
    items: tuple[ItemSummary, ...] = ()
    withheld: Withheld = field(default_factory=dict)
    n_out_of_range: int = 0


@dataclass(frozen=True)
class DimensionResult:
    code: str
    label: Texts
    #: Question codes averaged into each respondent's score.
    items: tuple[str, ...]
    summary: stats.DimensionSummary
    withheld: Withheld


@dataclass(frozen=True)
class PairResult:
    """A before/after question, its trainees' paired ratings summarised."""

    question: Question
    summary: paired.PairedSummary
    withheld: Withheld


@dataclass(frozen=True)
class CommentGroup:
    """Comments written in ``language``; ``""`` for the pooled comments of the
    language groups too small to name."""

    language: str
    texts: tuple[str, ...]

    @property
    def repeated(self) -> tuple[RepeatedComment, ...]:
        """The texts with equal and near-duplicate comments grouped (reports.comment_duplicates)."""
        return group_repeated(self.texts)


@dataclass(frozen=True)
class QuestionComments:
    question: Question
    groups: tuple[CommentGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(group.texts) for group in self.groups)


@dataclass(frozen=True)
class Breakdown:
    """Counts of respondents by group, small groups hidden (``None``)."""

    name: str
    counts: Mapping[str, int | None]
    hidden: tuple[str, ...]


@dataclass(frozen=True)
class Suppression:
    """A breakdown that hid groups: ``where`` names it (a question code, or
    ``"language"``), ``cells`` the hidden groups."""

    where: str
    cells: tuple[str, ...]
    minimum: int


@dataclass(frozen=True)
class EvaluationSummary:
    programme: Programme
    questionnaire: Questionnaire
    n_responses: int
    expected: int | None
    response_rate: float | None
    confidence: float
    minimum_cell: int
    questions: tuple[QuestionSummary, ...]
    dimensions: tuple[DimensionResult, ...]
    pairs: tuple[PairResult, ...]
    comments: tuple[QuestionComments, ...]
    breakdowns: tuple[Breakdown, ...]
    suppressed: tuple[Suppression, ...]
    withheld: Withheld
    #: Codes of what a reader must be told before trusting the figures
    #: (``response_rate_over_100``: more responses than expected participants).
    warnings: tuple[str, ...] = ()
    #: Responses received but left out while the programme is open (ProgrammeData.held_back).
    held_back: int = 0
    #: Codes of what the figures cannot say (:mod:`reports.limitations`).
    limitations: tuple[str, ...] = ()
    #: Missing answers, straight-lining, channels, exclusions; None under the minimum group size.
    quality: DataQuality | None = None

    @property
    def small_group(self) -> bool:
        """Whether the programme had too few responses to show anything but their count."""
        return self.withheld.get("answers") == disclosure.SMALL_GROUP

    def question(self, code: str) -> QuestionSummary:
        for summary in self.questions:
            if summary.question.code == code:
                return summary
        raise KeyError(code)

    @property
    def nps(self) -> QuestionSummary | None:
        """The first 0-10 rating (the recommendation question), if any."""
        return next((q for q in self.questions if q.nps is not None), None)


def summarise(
    data: ProgrammeData,
    *,
    breakdowns: Mapping[str, Mapping[str, int]] | None = None,
    confidence: float = CONFIDENCE,
) -> EvaluationSummary:
    """Every figure of a programme's report that its minimum group size lets it show.

    The responses by language (``data.responses_by_language``) are always a
    breakdown; ``breakdowns`` are extra counts of respondents by group that the
    caller wants shown (``{"role": {"trainer": 20, "manager": 6}}``). Small
    groups are hidden as :func:`reports.disclosure.hidden_groups` says.
    ``data.rows`` must hold the per-response rows, or alpha and the paired
    tests are withheld as having too few cases.
    """
    expected = data.programme.expected_participants
    minimum = data.programme.minimum_group_size
    withheld = {} if expected else {"response_rate": "no_expected"}
    small = disclosure.programme_withheld(data.n_responses, minimum)
    if small:
        withheld["answers"] = disclosure.SMALL_GROUP
    suppressed: list[Suppression] = []
    return EvaluationSummary(
        programme=data.programme,
        questionnaire=data.questionnaire,
        n_responses=data.n_responses,
        expected=expected,
        response_rate=stats.response_rate(data.n_responses, expected),
        confidence=confidence,
        minimum_cell=minimum,
        questions=() if small else _question_summaries(data, minimum, confidence, suppressed),
        dimensions=() if small else dimension_results(data, confidence),
        pairs=() if small else pair_results(data, confidence),
        comments=() if small else grouped_comments(data),
        breakdowns=() if small else _breakdowns(data, breakdowns or {}, minimum, suppressed),
        suppressed=tuple(suppressed),
        withheld=withheld,
        warnings=data_warnings(data.n_responses, expected, data.held_back),
        held_back=data.held_back,
        limitations=limitations(data.questionnaire, data.n_responses, expected),
        quality=None if small else data_quality(data),
    )


def _question_summaries(
    data: ProgrammeData, minimum: int, confidence: float, suppressed: list[Suppression]
) -> tuple[QuestionSummary, ...]:
    population = data.programme.expected_participants or None
    return tuple(
        _question_summary(data, q, population, minimum, confidence, suppressed)
        for q in data.questionnaire.questions
        if not kind_of(q).free_text
    )


def _breakdowns(
    data: ProgrammeData, extra: Mapping[str, Mapping[str, int]], minimum: int, suppressed: list[Suppression]
) -> tuple[Breakdown, ...]:
    groups = {"language": data.responses_by_language} if data.responses_by_language else {}
    published = []
    for name, counts in {**groups, **extra}.items():
        hidden = disclosure.hidden_groups(dict(counts), minimum)
        cells = tuple(key for key in counts if key in hidden)
        published.append(Breakdown(name, {k: None if k in hidden else c for k, c in counts.items()}, cells))
        if cells:
            suppressed.append(Suppression(name, cells, minimum))
    return tuple(published)


def dimension_items(questionnaire: Questionnaire) -> dict[str, tuple[str, ...]]:
    """Per dimension (in questionnaire order), the codes of the questions scored in it.

    Only single agreement items make a dimension score (``in_dimension``):
    before/after self-ratings and per-session matrices measure something else."""
    items: dict[str, list[str]] = {code: [] for code in questionnaire.dimensions}
    for question in questionnaire.questions:
        if question.dimension in items and kind_of(question).in_dimension:
            items[question.dimension].append(question.code)
    return {code: tuple(codes) for code, codes in items.items() if codes}


def dimension_scale(questionnaires: Iterable[Questionnaire]) -> tuple[float, float] | None:
    """The lowest and highest point of the questions scored in a dimension, over
    every questionnaire given: a chart's fixed axis, so that programmes compare."""
    points: list[int] = []
    for questionnaire in questionnaires:
        scored = {code for codes in dimension_items(questionnaire).values() for code in codes}
        points += [point for q in questionnaire.questions if q.code in scored for point in q.points]
    return (float(min(points)), float(max(points))) if points else None


def dimension_results(
    data: ProgrammeData, confidence: float = CONFIDENCE, *, finite_population: bool = True
) -> tuple[DimensionResult, ...]:
    """Each dimension's respondent scores (mean, CI with FPC) and Cronbach's alpha.

    The one place a dimension is scored: the documents, the workbook, the
    comparison and the live dashboard all take their scores from here.
    ``finite_population=False`` leaves out the finite-population correction:
    the comparison's intervals are about the programmes, not about the
    cohorts, and must have the same meaning side by side.
    """
    questionnaire = data.questionnaire
    population = (data.programme.expected_participants or None) if finite_population else None
    results = []
    for code, items in dimension_items(questionnaire).items():
        summary = stats.dimension_summary(data.rows, items, population=population, confidence=confidence)
        withheld = dict(_mean_withheld(summary.n))
        if summary.alpha.reason:
            withheld["alpha"] = summary.alpha.reason
        results.append(DimensionResult(code, questionnaire.dimensions.get(code, {}), items, summary, withheld))
    return tuple(results)


def dimension_means(
    results: Iterable[DimensionResult],
) -> dict[str, tuple[float | None, float | None, float | None]]:
    """(mean, ci_low, ci_high) per dimension code, as
    :func:`reports.charts.dimension_bars` draws them; None where not computable."""
    return {r.code: (r.summary.mean, r.summary.ci_low, r.summary.ci_high) for r in results}


def pair_results(data: ProgrammeData, confidence: float = CONFIDENCE) -> tuple[PairResult, ...]:
    """The paired summary of every before/after question, from the response rows."""
    results = []
    for question in data.questionnaire.questions:
        if not kind_of(question).paired:
            continue
        pairs = paired.pairs_from_rows(data.rows, f"{question.code}:{BEFORE}", f"{question.code}:{AFTER}")
        summary = paired.paired_summary(pairs, confidence)
        withheld: dict[str, str] = {}
        if summary.n == 0:
            withheld["mean_diff"] = withheld["rank_biserial"] = "no_answers"
        elif summary.n < 2:
            withheld["ci"] = "too_few_answers"
        if summary.t_test.reason:
            withheld["t_test"] = withheld["cohens_dz"] = summary.t_test.reason
            if summary.n >= 2:
                withheld["ci"] = summary.t_test.reason
        if summary.wilcoxon.reason:
            withheld["wilcoxon"] = summary.wilcoxon.reason
        results.append(PairResult(question, summary, withheld))
    return tuple(results)


def grouped_comments(data: ProgrammeData) -> tuple[QuestionComments, ...]:
    """Comments by question (questionnaire order), then by the language the
    trainee answered in (the programme's languages first), oldest first.
    Comments of language groups that :func:`reports.disclosure.hidden_languages`
    hides come last, pooled under no language. Submission times are dropped:
    the order is all a reader needs."""
    order = {lang: i for i, lang in enumerate((*data.programme.languages, *data.questionnaire.languages))}
    hidden = disclosure.hidden_languages(data)
    by_question: dict[str, dict[str, list[Comment]]] = {}
    for comment in data.comments:
        if comment.text.strip():
            language = disclosure.comment_language(comment.language, hidden)
            by_question.setdefault(comment.question, {}).setdefault(language, []).append(comment)
    out = []
    for question in data.questionnaire.questions:
        languages = by_question.get(question.code)
        if not languages:
            continue
        groups = tuple(
            # In the order of the texts: an order of arrival would let whoever saw a trainee
            # send early or late find their comment (docs/anonymity.md).
            CommentGroup(lang, tuple(sorted((c.text for c in languages[lang]), key=lambda t: (t.casefold(), t))))
            for lang in sorted(languages, key=lambda lang: (lang == "", order.get(lang, len(order)), lang))
        )
        out.append(QuestionComments(question, groups))
    return tuple(out)


def option_counts(data: ProgrammeData, question: Question) -> dict[str, int]:
    """How many responses chose each option, in option order."""
    return {option.value: option_count(data.tallies, question, option.value) for option in question.options}


def scale_counts(tallies: Sequence[Tally], question: Question, item: str = "") -> dict[int, int]:
    """Answers per scale point (every point, in order) of ``question`` and ``item``."""
    counts = dict.fromkeys(question.points, 0)
    for tally in tallies:
        if tally.question == question.code and tally.item == item and tally.value in counts:
            counts[int(tally.value)] += tally.count
    return counts


def _question_summary(
    data: ProgrammeData,
    question: Question,
    population: int | None,
    minimum_cell: int,
    confidence: float,
    suppressed: list[Suppression],
) -> QuestionSummary:
    tallies = [t for t in data.tallies if t.question == question.code]
    n_responses = data.n_responses
    kind = kind_of(question)
    if kind.choice:
        return _choice_summary(data, question, confidence, population)
    if question.items:
        items = []
        for item in question.items:
            counts = scale_counts(tallies, question, item.value)
            summary = _item_summary(item, tallies, counts, n_responses, population, confidence, minimum_cell, question)
            items.append(replace(summary, n_out_of_range=out_of_range(tallies, question, item.value)))
        hidden = tuple(i.value for i in items if i.suppressed)
        if hidden:
            suppressed.append(Suppression(question.code, hidden, minimum_cell))
        return QuestionSummary(
            question,
            items_answered(data, question, [i.n for i in items]),
            items=tuple(items),
            n_out_of_range=sum(i.n_out_of_range for i in items),
        )
    counts = scale_counts(tallies, question)
    scale = stats.describe_counts(counts, n_responses, population, confidence)
    withheld = dict(_mean_withheld(scale.n))
    top_box = nps = None
    top_values: tuple[int, ...] = ()
    if kind.top_box and len(question.points) >= 4:
        top_values = question.points[-2:]
        top_box = stats.top_box(counts, top_values, confidence, population)
    if kind.nps and question.points == NPS_POINTS:
        nps = stats.net_promoter(counts, confidence, population)
        if nps.n == 0:
            withheld["nps"] = "no_answers"
    bad = out_of_range(tallies, question)
    scale = replace(scale, n_skipped=scale.n_skipped - bad)
    return QuestionSummary(question, scale.n, scale, top_box, top_values, nps, withheld=withheld, n_out_of_range=bad)


def _item_summary(
    item: Option,
    tallies: Sequence[Tally],
    counts: Mapping[int, int],
    n_responses: int,
    population: int | None,
    confidence: float,
    minimum_cell: int,
    question: Question,
) -> ItemSummary:
    n = sum(counts.values())
    # A session's raters are a group of the cohort: every stored rating counts,
    # off the scale or not, exactly as reports.disclosure.hidden_items counts
    # them for the workbook, so no format shows a session another hides.
    raters = n + out_of_range(tallies, question, item.value)
    if kind_of(question).per_session and disclosure.small_group(raters, minimum_cell):
        return ItemSummary(item.value, item.label, n, None, True, {"distribution": disclosure.SMALL_CELL})
    scale = stats.describe_counts(counts, n_responses, population, confidence)
    return ItemSummary(item.value, item.label, n, scale, False, _mean_withheld(n))


def _choice_summary(
    data: ProgrammeData, question: Question, confidence: float, population: int | None
) -> QuestionSummary:
    counts = option_counts(data, question)
    # Several options can be ticked: shares are of all responses, like the chart.
    base = data.n_responses if kind_of(question).multiple else sum(counts.values())
    choices = tuple(
        ChoiceShare(o.value, o.label, stats.share_summary(counts[o.value], base, confidence, population))
        for o in question.options
    )
    return QuestionSummary(question, base, choices=choices, withheld={"share": "no_answers"} if base == 0 else {})


def _mean_withheld(n: int) -> dict[str, str]:
    if n == 0:
        return {"mean": "no_answers", "ci": "no_answers"}
    if n < 2:
        return {"sd": "too_few_answers", "ci": "too_few_answers"}
    return {}
