"""What the reader must know about the data before trusting a figure: answers
off the scale, a response rate over 100%, a matrix's n.

Kept apart from :mod:`reports.summary`, which calls these for every document;
the definitions are in ``docs/statistics.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.data import ProgrammeData, Question, Tally

#: More responses than expected participants: N is wrong, and with it the FPC and the rate.
RESPONSE_RATE_OVER_100 = "response_rate_over_100"


def data_warnings(n_responses: int, expected: int | None) -> tuple[str, ...]:
    """What the reader must be warned of. A response rate above 100% means the
    expected number of participants is wrong (or responses were counted
    twice): the rate is shown as it is, with this warning, and no interval
    uses the finite-population correction (N < n)."""
    return (RESPONSE_RATE_OVER_100,) if expected and n_responses > expected else ()


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
