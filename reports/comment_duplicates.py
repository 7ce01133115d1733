"""Comments that say the same thing, grouped: "Merci !" written by nine trainees is one line
with its count, not nine lines, and "Très bonne formation" and "tres bonne formation." are
the same comment.

Two comments are the same when their normalised texts are equal (:func:`normalise`: Unicode
compatibility forms, case, spacing and punctuation; in Arabic, diacritics, tatweel and the
forms of alef), and near duplicates when the normalised texts are at least
:data:`NEAR_DUPLICATE` alike by :class:`difflib.SequenceMatcher`'s ratio (twice the matching
characters over both lengths). The near comparison is pairwise, so it is made only for up to
:data:`NEAR_LIMIT` distinct texts per group; past that, only equal texts are grouped.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

#: How alike two normalised comments must be to count as one (docs/statistics.md).
NEAR_DUPLICATE = 0.9
#: Distinct texts per group up to which near duplicates are looked for.
NEAR_LIMIT = 2000

_ARABIC_MARKS = {chr(c) for c in (*range(0x064B, 0x0660), 0x0670, 0x0640)}  # harakat, dagger alef, tatweel
_ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})


@dataclass(frozen=True)
class RepeatedComment:
    """One comment as a reader sees it: the wording most of its writers used, and how many wrote it
    (or something equal or nearly equal to it)."""

    text: str
    count: int


def normalise(text: str) -> str:
    """``text`` as compared: what differs only by case, spacing, punctuation or, in
    Arabic, vowel marks, tatweel and alef forms is the same text."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_ALEF_FORMS)
    kept = []
    for char in unicodedata.normalize("NFKD", folded):
        category = unicodedata.category(char)
        if char in _ARABIC_MARKS or category == "Mn" or category.startswith("P"):
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


def group_repeated(texts: Iterable[str]) -> tuple[RepeatedComment, ...]:
    """``texts`` with equal and near-duplicate comments grouped, the most written first
    (then in the order of their texts, never of arrival)."""
    by_key: dict[str, Counter[str]] = {}
    for text in texts:
        by_key.setdefault(normalise(text), Counter())[text] += 1
    keys = sorted(by_key, key=lambda k: (-len(k), k))
    if len(keys) <= NEAR_LIMIT:
        _merge_near(keys, by_key)
    found = [RepeatedComment(_wording(wordings), sum(wordings.values())) for wordings in by_key.values() if wordings]
    return tuple(sorted(found, key=lambda r: (-r.count, r.text.casefold(), r.text)))


def _merge_near(keys: list[str], by_key: dict[str, Counter[str]]) -> None:
    """Fold each text into the first longer-or-equal text it nearly duplicates."""
    kept: list[str] = []
    for key in keys:
        home = next((other for other in kept if _alike(key, other)), None)
        if home is None:
            kept.append(key)
        else:
            by_key[home].update(by_key.pop(key))


def _alike(a: str, b: str) -> bool:
    if not a or not b or min(len(a), len(b)) / max(len(a), len(b)) < NEAR_DUPLICATE:
        return False  # the ratio cannot reach the threshold: 2m / (la + lb) <= 2 min / (la + lb)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return matcher.quick_ratio() >= NEAR_DUPLICATE and matcher.ratio() >= NEAR_DUPLICATE


def _wording(wordings: Counter[str]) -> str:
    """The wording most writers used; on a tie the fullest (accents, punctuation kept)."""
    return min(wordings, key=lambda text: (-wordings[text], -len(text), text.casefold(), text))
