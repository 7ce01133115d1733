"""Bidirectional isolation of plain text: numbers, signs, dates, ranges, codes
and Latin names inside Arabic sentences.

The Unicode bidirectional algorithm lets a number or a Latin word inside
right-to-left text borrow its neighbours' direction: "−0.4" shows as "0.4−",
"n = 27" as "27 = n", and "Niamey · 23/11/2026" puts the place name inside the
date. An isolate (U+2066 LEFT-TO-RIGHT ISOLATE or U+2068 FIRST STRONG
ISOLATE ... U+2069 POP DIRECTIONAL ISOLATE) lays its content out on its own
and is one neutral character to the text around it, so the logical order
survives. Isolates, not embeddings: an embedding would pull the neighbouring
spaces and punctuation into its direction.

These are for text that is drawn (chart labels, spreadsheet cells, PDF text
through the HTML report). Data (CSV, JSON) stays without them; HTML pages use
``<bdi>`` (``survey.web.templating``). In a left-to-right language nothing is
added, so French and English texts stay byte for byte as they were.
"""

from __future__ import annotations

from reports.languages import is_rtl

LRI = "\u2066"
FSI = "\u2068"
PDI = "\u2069"
ISOLATES = (LRI, "\u2067", FSI, PDI)


def ltr(text: str, lang: str) -> str:
    """``text`` isolated left to right when ``lang`` is written right to left:
    numbers with their sign, formulas ("n = 27", "p < 0.001"), codes, ISO dates
    and ranges of them, which read left to right even in Arabic."""
    return f"{LRI}{text}{PDI}" if text and is_rtl(lang) else text


def auto(text: str, lang: str) -> str:
    """``text`` isolated in its own direction (that of its first letter) when
    ``lang`` is written right to left: a Latin place name or title, or a date
    Babel wrote in Arabic, which must neither take nor give order to its neighbours."""
    return f"{FSI}{text}{PDI}" if text and is_rtl(lang) else text


def n_equals(n: int, lang: str) -> str:
    """ "n = 27", the base of a figure, kept in that order inside Arabic text."""
    return ltr(f"n = {n}", lang)


def plain(text: str) -> str:
    """``text`` without isolates: for data (CSV, JSON) and for comparisons."""
    return text.translate({ord(mark): None for mark in ISOLATES})
