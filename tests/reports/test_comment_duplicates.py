"""Comments that say the same thing are one line with its count: equal once case, spacing,
punctuation, accents and, in Arabic, vowel marks, tatweel and alef forms are set aside; near
duplicates from a ratio of 0.9 (the threshold docs/statistics.md states)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from reports.comment_duplicates import NEAR_DUPLICATE, RepeatedComment, group_repeated, normalise
from reports.data import Comment
from reports.documents import ReportSource
from tests.reports.test_exports import RESPONSES, Streamed, programme_data, render

FIXTURE = [
    "Merci !",
    "merci",
    "MERCI  !!",
    "Très bonne formation",
    "tres bonne formation.",
    "Très bonne formations",  # one letter more: a near duplicate
    "Très bonne organisation",  # another comment
    "شُكْرًا جَزِيلًا",
    "شكرا جزيلا",
    "شكـــرا جزيلا",  # tatweel
    "أحسنتم",
    "احسنتم",
    "إحسنتم",
]


def test_normalising_sets_aside_case_spacing_punctuation_accents_and_arabic_marks() -> None:
    assert normalise("  Très   bonne formation !") == normalise("tres bonne formation.")
    assert normalise("شُكْرًا") == normalise("شكرا") == normalise("شكـــرا")
    assert normalise("أحسنتم") == normalise("إحسنتم") == normalise("آحسنتم") == normalise("احسنتم")
    assert normalise("Très bonne formation") != normalise("Très bonne organisation")


def test_the_fixture_groups_into_what_was_said_most_written_first() -> None:
    grouped = group_repeated(FIXTURE)
    counts = {normalise(r.text): r.count for r in grouped}
    assert counts == {
        normalise("merci"): 3,
        normalise("tres bonne formation"): 3,
        normalise("tres bonne organisation"): 1,
        normalise("شكرا جزيلا"): 3,
        normalise("احسنتم"): 3,
    }
    assert [r.count for r in grouped] == sorted((r.count for r in grouped), reverse=True)
    assert sum(r.count for r in grouped) == len(FIXTURE), "no comment is lost"


def test_the_threshold_is_where_the_docs_put_it() -> None:
    base = "la formation etait utile pour mon travail au quotidien"  # 54 characters
    near = base.replace("quotidien", "quotidienne")  # ratio about 0.98
    far = "la formation etait trop courte pour mon service"
    assert NEAR_DUPLICATE == 0.9
    assert len(group_repeated([base, near])) == 1
    assert len(group_repeated([base, far])) == 2


def test_the_wording_shown_is_the_one_most_written() -> None:
    assert group_repeated(["merci", "Merci !", "Merci !"])[0] == RepeatedComment("Merci !", 3)


def test_the_report_shows_each_comment_once_with_how_many_wrote_it() -> None:
    data = programme_data(RESPONSES)
    when = datetime(2025, 3, 7, tzinfo=UTC)
    texts = ("Très utile", "très utile.", "Trop court") * 2
    comments = tuple(Comment("comment", "fr", t, when) for t in texts)
    data = replace(data, comments=comments, responses_by_language={"fr": 10})
    html = render("html", "fr", ReportSource(data, Streamed(RESPONSES))).decode()
    section = html[html.index('id="comments"') : html.index('id="data-quality"')]
    assert section.count("<li") == 2
    assert "(écrit par 4 participants)" in section
    assert "(écrit par 2 participants)" in section
    document = json.loads(render("json", "fr", ReportSource(data, Streamed(RESPONSES))))
    (group,) = document["comments"][0]["groups"]
    assert len(group["comments"]) == 6, "every comment is still in the data"
    assert [r["count"] for r in group["repeated"]] == [4, 2]
