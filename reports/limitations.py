"""What the figures cannot say, worked out from the data: the limitations paragraph that
every report prints before its methods note.

A sponsor's monitoring officer reads a satisfaction report next to its caveats:
the answers are the trainees' own view, a before/after rated at the end is
remembered rather than measured, those who did not answer may differ from those
who did, and a few dozen answers give wide intervals. Each caveat is a code
chosen by the rules below (thresholds in :data:`LOW_RESPONSE_RATE` and
:data:`FEW_RESPONSES`, stated in docs/statistics.md) and worded per language
by :func:`limitation_sentences`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from reports.data import Questionnaire
from reports.kinds import kind_of
from reports.labels import label, percent

if TYPE_CHECKING:  # reports.compare builds on reports.summary, which reads this module
    from reports.compare import Comparison

#: Below this response rate, non-response is named as a limitation.
LOW_RESPONSE_RATE = 0.7
#: Below this many responses, the width of the intervals is named as a limitation.
FEW_RESPONSES = 30

SELF_REPORT = "self_report"
RETROSPECTIVE = "retrospective"
LOW_RATE = "low_response_rate"
UNKNOWN_RATE = "unknown_response_rate"
FEW = "few_responses"
#: Every code, in the order a report prints them.
CODES = (SELF_REPORT, RETROSPECTIVE, LOW_RATE, UNKNOWN_RATE, FEW)
#: A comparison's: the programmes' groups differ, and which programmes' figures are fragile.
DIFFERENT_GROUPS = "different_groups"
LOW_RATE_SOME = "low_response_rate_some"
FEW_SOME = "few_responses_some"


def limitations(questionnaire: Questionnaire, n_responses: int, expected: int | None) -> tuple[str, ...]:
    """The codes of the limitations that apply to these data, in :data:`CODES` order."""
    found = [SELF_REPORT]
    if any(kind_of(q).paired for q in questionnaire.questions):
        found.append(RETROSPECTIVE)
    if not expected:
        found.append(UNKNOWN_RATE)
    elif n_responses < expected * LOW_RESPONSE_RATE:
        found.append(LOW_RATE)
    if n_responses < FEW_RESPONSES:
        found.append(FEW)
    return tuple(found)


def limitation_sentences(codes: Sequence[str], lang: str, n_responses: int, expected: int | None) -> list[str]:
    """``codes`` worded in ``lang``, one sentence each."""
    rate = percent(100 * n_responses / expected, lang) if expected else ""
    # One trainee more or less moves a share by this many points.
    step = f"{100 / n_responses:.0f}" if n_responses else ""
    return [
        label(f"limitation_{code}", lang).format(n=n_responses, expected=expected, rate=rate, step=step)
        for code in codes
    ]


def comparison_limitations(comparison: Comparison) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A comparison's limitations: each code with the titles of the programmes it
    concerns (none for one that concerns them all)."""
    programmes = comparison.programmes
    fragile_rate = tuple(
        p.programme.title
        for p in programmes
        if not p.programme.expected_participants or (p.response_rate or 0.0) < LOW_RESPONSE_RATE
    )
    few = tuple(p.programme.title for p in programmes if p.n_responses < FEW_RESPONSES)
    found: list[tuple[str, tuple[str, ...]]] = [(SELF_REPORT, ()), (DIFFERENT_GROUPS, ())]
    if fragile_rate:
        found.append((LOW_RATE_SOME, fragile_rate))
    if few:
        found.append((FEW_SOME, few))
    return tuple(found)


def comparison_sentences(found: Sequence[tuple[str, tuple[str, ...]]], lang: str) -> list[str]:
    """:func:`comparison_limitations` worded in ``lang``."""
    rate = percent(100 * LOW_RESPONSE_RATE, lang)
    return [
        label(f"limitation_{code}", lang).format(programmes=" · ".join(titles), rate=rate, few=FEW_RESPONSES)
        for code, titles in found
    ]
