"""The words charts and documents add, and language helpers, so one dataset
reads in every language.

Question texts come from the questionnaire; the words a chart or a document
adds itself ("Before", "Mean", "Methods" ...) are keyed here and translated by
Babel catalogs (:mod:`reports.i18n`).
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Mapping, Sequence

from babel import Locale, UnknownLocaleError

from reports import bidi
from reports.i18n import N_, gettext, ngettext
from reports.languages import language

#: Every word a chart or a document adds, by what it is; one English wording
#: each, translated by the catalogs (see :mod:`reports.i18n`). Texts with
#: ``{name}`` placeholders are filled with :meth:`str.format`.
LABELS: Mapping[str, str] = {
    # -- charts -------------------------------------------------------------------
    "responses": N_("Responses"),
    "responses_over_time": N_("Responses received over time"),
    "expected_participants": N_("Expected participants"),
    "time": N_("Time"),
    # The two sides of a before/after question, as its items are named everywhere.
    "before": N_("Before"),
    "after": N_("Now"),
    "mean": N_("Mean"),
    "mean_score": N_("Mean score"),
    "confidence_interval": N_("Confidence interval (95%)"),
    "dimension_scores": N_("Scores by dimension"),
    "share_of_answers": N_("Share of answers"),
    "number_of_answers": N_("Number of answers"),
    "no_answers_yet": N_("No answers yet"),
    "score": N_("Score"),
    "answer": N_("Answer"),
    "detractors": N_("Detractors (0–6)"),
    "passives": N_("Passives (7–8)"),
    "promoters": N_("Promoters (9–10)"),
    "net_score": N_("Net score"),
    # -- titles and facts -------------------------------------------------------
    "evaluation_report": N_("Evaluation report"),
    "comparison_report": N_("Comparison of programmes"),
    "the_programme": N_("The programme"),
    "programme": N_("Programme"),
    "location": N_("Location"),
    "country": N_("Country"),
    "dates": N_("Dates"),
    "languages": N_("Languages"),
    "questionnaire": N_("Questionnaire"),
    "questionnaire_version": N_("version {version}"),
    "generated_on": N_("Generated on"),
    "response_rate": N_("Response rate"),
    "n_of_expected": N_("{n} responses from {expected} expected participants"),
    "n_responses": N_("{n} responses"),
    "responses_by_language": N_("Responses by language"),
    "page": N_("Page"),
    "list_separator": N_(", "),
    # -- statistics -------------------------------------------------------------
    "dimension": N_("Dimension"),
    "median": N_("Median"),
    "sd": N_("Standard deviation"),
    "ci_95": N_("95% CI"),
    "alpha": N_("Cronbach's alpha"),
    "alpha_basis": N_("{n} complete responses, {k} items"),
    "unscored": N_("Without a score"),
    "answered": N_("Answered"),
    "skipped": N_("Skipped"),
    "top_2_box": N_("Top-2-box"),
    "share": N_("Share"),
    "option": N_("Option"),
    "count": N_("Count"),
    "session": N_("Session"),
    "distribution": N_("Distribution"),
    "nps": N_("Net promoter score"),
    "key_figures": N_("Key figures"),
    "answers_by_question": N_("Answers by question"),
    "shares_of_all_responses": N_("Several options could be ticked: shares are of all responses."),
    # -- before / after ------------------------------------------------------------
    "before_after_section": N_("Before and after the programme"),
    "pairs": N_("Pairs"),
    "mean_before": N_("Mean before"),
    "mean_after": N_("Mean after"),
    "mean_change": N_("Mean change (after − before)"),
    "improved": N_("Improved"),
    "same": N_("Same"),
    "declined": N_("Declined"),
    "paired_t": N_("Paired t-test"),
    "wilcoxon": N_("Wilcoxon signed-rank test"),
    "cohens_dz": N_("Cohen's d_z"),
    "rank_biserial": N_("Rank-biserial correlation"),
    "effect_sizes": N_("Effect sizes"),
    "method_exact": N_("exact"),
    "method_permutation": N_("permutation"),
    "method_normal": N_("normal approximation"),
    # -- comments -------------------------------------------------------------------
    "comments": N_("Comments"),
    "no_comments": N_("No comments."),
    "comments_other_languages": N_("Other languages"),
    # -- why a figure is not shown --------------------------------------------------
    "withheld_no_answers": N_("No answers"),
    "withheld_too_few_answers": N_("Fewer than 2 answers"),
    "withheld_too_few_items": N_("Fewer than 3 items"),
    "withheld_too_few_cases": N_("Fewer than 3 complete responses"),
    "withheld_zero_variance": N_("The answers do not vary"),
    "withheld_too_few_pairs": N_("Fewer than 2 pairs"),
    "withheld_no_nonzero_differences": N_("No rating changed"),
    "withheld_no_change": N_("No rating changed"),
    "withheld_constant_difference": N_(
        "Every trainee changed by the same amount: no spread to test (see the counts above)"
    ),
    "withheld_too_few_differences": N_("Fewer than 6 changed ratings: no result of this test could reach significance"),
    "withheld_small_cell": N_("Fewer than {minimum} answers: not shown"),
    "withheld_no_expected": N_("Expected participants unknown"),
    "withheld_small_group": N_(
        "Fewer than {minimum} responses: to protect the trainees' anonymity, no answer, score or comment is shown."
    ),
    "not_shown": N_("not shown"),
    "census": N_("census: every expected participant answered"),
    "warning_response_rate_over_100": N_(
        "More responses ({n}) than expected participants ({expected}): check the expected number. "
        "The response rate is shown as it is, and no interval uses the finite-population correction."
    ),
    # -- data quality (reports.quality) ---------------------------------------------
    "data_quality": N_("Data quality"),
    "dq_response_rate": N_("Response rate: {rate} ({n} of {expected} expected participants)."),
    "dq_response_rate_unknown": N_("Response rate unknown: the number of expected participants was not given."),
    "dq_rate_low": N_("Low: fewer than {threshold} of the expected participants answered."),
    "dq_channels": N_("Responses by channel"),
    "channel_web": N_("online form"),
    "channel_kiosk": N_("kiosk"),
    "channel_paper": N_("paper, typed in"),
    "dq_none_excluded": N_("No response was excluded by the organisers."),
    "dq_straight_lining": N_(
        "{question}: {identical} of the {complete} respondents who rated every row gave every row the same rating."
    ),
    "dq_no_missing": N_("Every respondent answered every question."),
    "dq_missing": N_("Unanswered questions"),
    "dq_answered": N_("Answered"),
    "dq_unanswered": N_("Unanswered"),
    "dq_completion_times": N_(
        "Completion times are not recorded: a time per response could link it to the trainee seen answering."
    ),
    # -- limitations (reports.limitations) -----------------------------------------
    "limitations": N_("Limitations"),
    "limitation_self_report": N_(
        "These figures are what the trainees said: their own view of the programme and of its use in "
        "their work, not a measure of what they learnt or of what changed."
    ),
    "limitation_retrospective": N_(
        "The before and after ratings were both given at the end of the programme: the rating of "
        "before is remembered, and hindsight can lower it, which can make the change look larger "
        "than it was."
    ),
    "limitation_low_response_rate": N_(
        "{n} of the {expected} expected participants answered ({rate}): those who did not answer may "
        "think differently, so the figures may not hold for the whole group."
    ),
    "limitation_unknown_response_rate": N_(
        "The number of participants was not given, so neither the response rate nor how far the "
        "figures hold for everyone who took part can be judged."
    ),
    "limitation_few_responses": N_(
        "With {n} responses, one trainee more or less moves a share by about {step} points: the "
        "intervals are wide, and a small difference between two figures is not evidence of a real one."
    ),
    "limitation_different_groups": N_(
        "Each programme had its own trainees, trainers and setting: a difference between two "
        "programmes is not, by itself, the effect of what they taught."
    ),
    "limitation_low_response_rate_some": N_(
        "{programmes}: fewer than {rate} of the expected participants answered, or their number was "
        "not given, so these figures may not hold for the whole group."
    ),
    "limitation_few_responses_some": N_(
        "{programmes}: fewer than {few} responses, so the intervals are wide and a small difference "
        "is not evidence of a real one."
    ),
    "warning_held_back": N_(
        "The evaluation is still open: responses received so far but not in these figures: "
        "{held_back}. While it is open, the figures take in responses {minimum} at a time and leave "
        "out the latest ones, so that no one can read a trainee's answers by difference; once it "
        "closes, its report has every response."
    ),
    "suppressed_note": N_("Groups of fewer than {minimum} respondents are not shown: {cells}."),
    # -- comparison --------------------------------------------------------------------
    "withheld_not_in_questionnaire": N_("Not in this questionnaire"),
    "different_questionnaires": N_(
        "These programmes did not use the same questionnaire (or version): only the dimensions they "
        "share can be compared."
    ),
    "compare_note": N_(
        "Each mean is the one of the programme's own report. Here its interval is drawn without the "
        "finite-population correction, so that every interval means the same: a programme where "
        "everyone answered is marked as a census instead of showing an interval of zero width. "
        "Overlapping intervals do not support a claim of a difference."
    ),
    # -- methods note ----------------------------------------------------------------
    "methods": N_("Methods"),
    "methods_n": N_(
        "n is the number of answers each figure rests on. Responses the organisers excluded (tests, "
        "duplicates) never count in any figure, chart or comment list."
    ),
    "methods_matrix_n": N_(
        "For a question asked about each session, n is the number of trainees who rated at least one "
        "session; each session's row gives its own n."
    ),
    "methods_out_of_range": N_(
        "An answer outside a question's scale is refused wherever answers enter (form, paper entry, "
        "import). One stored anyway is left out of the figures, counted beside them, and kept in the "
        "raw data."
    ),
    "methods_ci": N_(
        "Intervals are confidence intervals at 95%. For a mean, the t interval is narrowed by "
        "Cochran's finite-population correction √(1 − n/N), N being the expected participants (the "
        "correction that goes with the sample standard deviation): a report on most of a small "
        "cohort is nearly a census, and when everyone answered the interval is the mean itself. "
        "With more responses than expected, no correction is made."
    ),
    "methods_ci_compare": N_(
        "For a mean, intervals are t intervals (95%) without the finite-population correction, so "
        "that they have the same meaning for every programme compared."
    ),
    "methods_wilson": N_(
        "Shares (including the top two points of a scale) come with a Wilson score interval, which "
        "stays within 0–100% and remains reliable for small n."
    ),
    "methods_dimensions": N_(
        "A dimension score is each respondent's mean over its items (if they answered at least half "
        "of them). Cronbach's alpha is computed on complete responses, with Feldt's interval (95%); "
        "with about 30 participants that interval is wide (often ± 0.2 or more): read alpha with "
        "care, and do not compare cohorts on small differences."
    ),
    "methods_pairs": N_(
        "Before/after items are retrospective self-ratings. The change is after − before for each "
        "trainee. The paired t-test is about the mean change; it is not run when every trainee "
        "changed by the same amount (no spread to test). The Wilcoxon signed-rank test is about "
        "whether changes lean one way; unchanged ratings are left out of it, and it is run only "
        "with at least 6 changed ratings, below which no result could reach p < 0.05. d_z = mean "
        "change / standard deviation of the changes. The rank-biserial correlation counts the "
        "unchanged trainees (ranked with the others, half on each side; Kerby 2014): it is +1 only "
        "when every trainee improved, −1 when every trainee declined."
    ),
    "methods_nps": N_(
        "Net promoter score: % answering 9–10 minus % answering 0–6 to the recommendation question "
        "(from −100 to +100), with an interval (95%) from the variance of the difference of the two "
        "shares (Wald)."
    ),
    "methods_small_cells": N_(
        "No group of fewer than {minimum} respondents is shown (a session rated by fewer trainees, a "
        "language group): a note replaces its figures. Figures that cannot be computed (too few "
        "answers) are replaced by the reason."
    ),
    "methods_comments": N_("Comments are reproduced as written, in the language of the response, by question."),
    "methods_disclosure": N_(
        "Minimum group size: {minimum}, set for this programme. A programme with fewer responses shows "
        "only their number. Where the total minus the groups shown would reveal a hidden group, a second "
        "group is hidden too. Comments of a hidden language group are shown without their language."
    ),
    "methods_disclosure_compare": N_(
        "Minimum group size: {minimum} or more, set for each programme. A programme with fewer responses "
        "than its minimum shows only their number, and no score."
    ),
}


#: The paragraphs of a report's methods note, in order; every format writes these.
METHODS_REPORT = (
    "methods_n",
    "methods_matrix_n",
    "methods_out_of_range",
    "methods_ci",
    "methods_wilson",
    "methods_dimensions",
    "methods_pairs",
    "methods_nps",
    "methods_small_cells",
    "methods_disclosure",
    "methods_comments",
)
#: The paragraphs of a comparison's methods note.
METHODS_COMPARE = (
    "methods_n",
    "methods_ci_compare",
    "methods_dimensions",
    "methods_nps",
    "methods_small_cells",
    "methods_disclosure_compare",
)


def methods_notes(keys: Sequence[str], lang: str, minimum: int) -> list[str]:
    """The methods note, one paragraph per key, in ``lang``: the HTML, PDF and
    JSON documents all print this list (definitions in docs/statistics.md)."""
    return [label(key, lang).format(minimum=minimum) for key in keys]


def n_comments(n: int, lang: str) -> str:
    """ "1 comment", "2 comments": the plural form ``lang`` uses for ``n``."""
    return ngettext("{n} comment", "{n} comments", n, lang).format(n=n)


def n_writers(n: int, lang: str) -> str:
    """Beside a comment that several trainees wrote (reports.comment_duplicates)."""
    return ngettext("(written by {n} trainee)", "(written by {n} trainees)", n, lang).format(n=n)


def n_out_of_range(n: int, lang: str) -> str:
    """The note beside a question with answers stored off its scale."""
    return ngettext(
        "{n} answer outside the scale is left out of these figures (it is in the raw data).",
        "{n} answers outside the scale are left out of these figures (they are in the raw data).",
        n,
        lang,
    ).format(n=n)


def label(key: str, lang: str) -> str:
    """The fixed chart word ``key`` in ``lang`` (English if ``lang`` is unknown).

    Raises :class:`KeyError` for an unknown ``key``: a typo should fail a test,
    not print a blank on a projector.
    """
    return gettext(LABELS[key], lang)


def language_name(code: str, lang: str) -> str:
    """The name of the language ``code`` in ``lang`` ("Arabic" in English, "Arabe"
    in French), from Babel's CLDR data; ``code`` itself if CLDR does not know it."""
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(language(lang).code))
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:] if name else code


def localised(texts: Mapping[str, str], lang: str, languages: Sequence[str] = ()) -> str:
    """``texts`` in ``lang``, else in the first of ``languages`` that has it, else any.

    ``languages`` is the questionnaire's language list, whose first entry is
    the language it was written in.
    """
    for candidate in (lang, *languages):
        if texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")


def wrap(text: str, width: int = 40) -> str:
    """Escape ``text`` for Plotly's HTML-like labels and break it with ``<br>``.

    Long question texts otherwise push the plot off a phone screen.
    """
    lines = textwrap.wrap(text, width) or [""]
    return "<br>".join(html.escape(line, quote=False) for line in lines)


def number(value: float, lang: str, decimals: int = 1) -> str:
    """``value`` with the decimal mark of ``lang`` (a comma in French)."""
    return f"{value:.{decimals}f}".replace(".", language(lang).decimal_mark)


def signed(value: float, lang: str) -> str:
    """A rounded number with its sign, "+10"; kept left to right inside Arabic text,
    where the bidirectional algorithm would otherwise show "10+"."""
    return bidi.ltr(f"{value:+.0f}", lang)


def percent(value: float, lang: str) -> str:
    """A rounded percentage, spaced as ``lang`` writes it ("12 %" in French)."""
    return f"{value:.0f}{percent_suffix(lang)}"


def percent_suffix(lang: str) -> str:
    return f"{language(lang).space_before_percent}%"


def separators(lang: str) -> str:
    """Plotly's ``layout.separators``: decimal mark then thousands mark."""
    spec = language(lang)
    return spec.decimal_mark + spec.thousands_mark


def with_value(key: str, value: str, lang: str) -> str:
    """``"Label: value"``, spaced as ``lang`` writes it (French: "Moyenne : 4,2")."""
    return f"{label(key, lang)}{language(lang).space_before_colon}: {value}"
