"""What the reader must know about the data before trusting a figure: answers
off the scale, a response rate over 100% (or low), a matrix's n, missing
answers, straight-lining down a grid, the channels and the excluded responses.

Kept apart from :mod:`reports.summary`, which calls these for every document;
the definitions are in ``docs/statistics.md``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from reports.data import ProgrammeData, Question, Tally
from reports.i18n import ngettext
from reports.kinds import kind_of
from reports.labels import label, localised, percent
from reports.languages import language

#: More responses than expected participants: N is wrong, and with it the FPC and the rate.
RESPONSE_RATE_OVER_100 = "response_rate_over_100"


#: Responses received but not in these figures: the programme is still open.
HELD_BACK = "held_back"


def data_warnings(n_responses: int, expected: int | None, held_back: int = 0) -> tuple[str, ...]:
    """What the reader must be warned of. A response rate above 100% means the
    expected number of participants is wrong (or responses were counted
    twice): the rate is shown as it is, with this warning, and no interval
    uses the finite-population correction (N < n). Responses held back while
    the programme is open make every figure, the rate included, a partial one."""
    found = (RESPONSE_RATE_OVER_100,) if expected and n_responses > expected else ()
    return (*found, HELD_BACK) if held_back else found


def out_of_range(tallies: Sequence[Tally], question: Question, item: str = "") -> int:
    """Answers to ``question`` (and ``item``) whose value is not a point of its
    scale. The trainee form, paper entry and imports refuse them; one stored
    before they did, or written by other means, is counted here rather than
    silently dropped."""
    points = set(question.points)
    return sum(
        t.count
        for t in tallies
        if t.question == question.code and t.item == item and not (isinstance(t.value, int) and t.value in points)
    )


def items_answered(data: ProgrammeData, question: Question, item_ns: Sequence[int]) -> int:
    """A matrix's n: the responses that rated at least one of its rows, from
    the per-response rows. Without rows (a caller that did not load them) the
    largest row's n (``item_ns``), which is a lower bound of it."""
    if not data.rows:
        return max(item_ns, default=0)
    keys = [f"{question.code}:{item.value}" for item in question.items]
    return sum(1 for row in data.rows if any(row.get(key) is not None for key in keys))


#: Below this response rate, the data-quality section flags the rate (as the limitations do).
LOW_RESPONSE_RATE = 0.7
#: A grid needs this many rows before identical answers down it say anything.
STRAIGHT_LINING_ROWS = 3


@dataclass(frozen=True)
class ItemMissing:
    """How many counted responses left one question (or one row of it) unanswered."""

    question: Question
    item: str
    answered: int
    missing: int


@dataclass(frozen=True)
class StraightLining:
    """Of the responses that rated every row of a grid, how many gave every row the same point."""

    question: Question
    complete: int
    identical: int


@dataclass(frozen=True)
class DataQuality:
    """What an evaluator checks before trusting the figures (docs/statistics.md, "Data quality")."""

    n_responses: int
    expected: int | None
    #: ``over_100``, ``low`` (under :data:`LOW_RESPONSE_RATE`) or "" when neither.
    rate_flag: str
    #: Every answerable question or row with at least one missing answer, most missing first.
    missing: tuple[ItemMissing, ...]
    #: Grids of :data:`STRAIGHT_LINING_ROWS` rows or more; empty without per-response rows.
    straight_lining: tuple[StraightLining, ...]
    #: Counted responses by channel (``web``, ``kiosk``, ``paper``).
    channels: Mapping[str, int]
    #: Responses the organisers excluded, left out of every figure.
    excluded: int


def data_quality(data: ProgrammeData) -> DataQuality:
    """The data-quality figures of ``data``: from the tallies and, for straight-lining, the rows."""
    n, expected = data.n_responses, data.programme.expected_participants
    flag = ""
    if expected and n > expected:
        flag = "over_100"
    elif expected and n < expected * LOW_RESPONSE_RATE:
        flag = "low"
    answered: dict[tuple[str, str], int] = {}
    for tally in data.tallies:
        answered[(tally.question, tally.item)] = answered.get((tally.question, tally.item), 0) + tally.count
    missing = [
        ItemMissing(question, item, answered.get((question.code, item), 0), n - answered.get((question.code, item), 0))
        for question, item in _answerable(data)
        if n - answered.get((question.code, item), 0) > 0
    ]
    missing.sort(key=lambda m: -m.missing)
    return DataQuality(
        n_responses=n,
        expected=expected,
        rate_flag=flag,
        missing=tuple(missing),
        straight_lining=tuple(_straight_lining(data)),
        channels=dict(data.channels),
        excluded=data.excluded,
    )


def _answerable(data: ProgrammeData) -> Iterator[tuple[Question, str]]:
    """Each question (or row) a response answers once: scales, their rows, single choices."""
    for question in data.questionnaire.questions:
        kind = kind_of(question)
        if kind.scale and question.items:
            yield from ((question, item.value) for item in question.items)
        elif kind.scale or (kind.choice and not kind.multiple):
            yield question, ""


def _straight_lining(data: ProgrammeData) -> Iterator[StraightLining]:
    if not data.rows:
        return
    for question in data.questionnaire.questions:
        kind = kind_of(question)
        if not kind.scale or kind.paired or len(question.items) < STRAIGHT_LINING_ROWS:
            continue
        keys = [f"{question.code}:{item.value}" for item in question.items]
        complete = identical = 0
        for row in data.rows:
            values = [row.get(key) for key in keys]
            if any(v is None for v in values):
                continue
            complete += 1
            identical += len(set(values)) == 1
        yield StraightLining(question, complete, identical)


def quality_sentences(quality: DataQuality, lang: str) -> list[str]:
    """The data-quality section's sentences in ``lang`` (the missing answers are a table:
    :func:`missing_rows`)."""
    n, expected = quality.n_responses, quality.expected
    if expected:
        rate = percent(100 * n / expected, lang)
        sentences = [label("dq_response_rate", lang).format(rate=rate, n=n, expected=expected)]
        if quality.rate_flag == "low":
            sentences.append(label("dq_rate_low", lang).format(threshold=percent(100 * LOW_RESPONSE_RATE, lang)))
        elif quality.rate_flag == "over_100":
            sentences.append(label("warning_response_rate_over_100", lang).format(n=n, expected=expected))
    else:
        sentences = [label("dq_response_rate_unknown", lang)]
    if quality.channels:
        channels = ", ".join(
            f"{label(f'channel_{name}', lang)}{language(lang).space_before_colon}: {count}"
            for name, count in quality.channels.items()
        )
        sentences.append(f"{label('dq_channels', lang)}{language(lang).space_before_colon}: {channels}.")
    sentences.append(
        ngettext(
            "{n} response excluded by the organisers is left out of every figure.",
            "{n} responses excluded by the organisers are left out of every figure.",
            quality.excluded,
            lang,
        ).format(n=quality.excluded)
        if quality.excluded
        else label("dq_none_excluded", lang)
    )
    for grid in quality.straight_lining:
        text = localised(grid.question.text, lang, ())
        sentences.append(
            label("dq_straight_lining", lang).format(question=text, identical=grid.identical, complete=grid.complete)
        )
    if not quality.missing:
        sentences.append(label("dq_no_missing", lang))
    sentences.append(label("dq_completion_times", lang))
    return sentences


def missing_rows(quality: DataQuality, lang: str, languages: Sequence[str]) -> list[tuple[str, int, int]]:
    """(question, and row, in ``lang``; answered; unanswered) for each item with missing answers."""
    rows = []
    for m in quality.missing:
        text = localised(m.question.text, lang, languages)
        if m.item:
            row = next((o for o in m.question.items if o.value == m.item), None)
            text = f"{text} — {localised(row.label, lang, languages) if row else m.item}"
        rows.append((text, m.answered, m.missing))
    return rows
