"""Isolates for drawn plain text (issue 19, point 1): added only inside a
right-to-left language, so French and English texts stay as they were, and
never in data (CSV, JSON)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from reports import bidi
from reports.charts import rating_distribution
from reports.documents import ReportSource, writer
from tests.reports.test_summary import build

#: 27 trainees, 18 detractors and 9 promoters: a net score of −33.
DATA = build([{"recommend": score} for score in [2] * 18 + [10] * 9])
ISOLATE_MARKS = set(bidi.ISOLATES)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_left_to_right_languages_get_no_marks(lang: str) -> None:
    assert bidi.ltr("-0.4", lang) == "-0.4"
    assert bidi.auto("Niamey", lang) == "Niamey"
    assert bidi.n_equals(27, lang) == "n = 27"


def test_arabic_isolates_numbers_left_to_right_and_names_by_their_first_letter() -> None:
    assert bidi.ltr("-0.4", "ar") == "\u2066-0.4\u2069"
    assert bidi.n_equals(27, "ar") == "\u2066n = 27\u2069"
    assert bidi.auto("Niamey", "ar") == "\u2068Niamey\u2069"
    assert bidi.ltr("", "ar") == ""  # nothing to isolate: no stray marks
    assert bidi.plain(bidi.n_equals(27, "ar")) == "n = 27"


def test_the_arabic_chart_title_isolates_its_score_and_base() -> None:
    title = rating_distribution(DATA, "recommend", "ar").layout.title.text
    assert "\u2066-33\u2069" in title
    assert "\u2066n = 27\u2069" in title
    french = rating_distribution(DATA, "recommend", "fr").layout.title.text
    assert not ISOLATE_MARKS & set(french)
    assert "-33" in french
    assert "n = 27" in french


def test_data_formats_carry_no_isolates_in_arabic() -> None:
    """Figures, labels and tables are data; only the methods' prose, a translated
    text for people, keeps the isolates its catalog gives it."""
    summary = io.BytesIO()
    writer("json")(ReportSource(data=DATA), "ar", summary)
    document = json.loads(summary.getvalue())
    del document["methods"]["notes"]
    texts = [json.dumps(document, ensure_ascii=False)]
    tables = io.BytesIO()
    writer("csv")(ReportSource(data=DATA), "ar", tables)
    with zipfile.ZipFile(tables) as archive:
        texts += [archive.read(name).decode("utf-8-sig") for name in archive.namelist()]
    assert len(texts) > 1
    for text in texts:
        assert not ISOLATE_MARKS & set(text)
