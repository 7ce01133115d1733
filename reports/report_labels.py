"""The words of the evaluation documents (HTML, PDF, JSON), merged into
:data:`reports.labels.LABELS` so that :func:`reports.labels.label` finds them.

Kept apart from the chart words only for length. Texts with ``{name}``
placeholders are filled with :meth:`str.format` by the documents.
"""

from __future__ import annotations

from collections.abc import Mapping

# In Arabic texts, formulas and signed numbers sit between U+2066 and U+2069
# (a left-to-right isolate): without it "−1" reads "1−" and "9–10" reads "10–9".

REPORT_LABELS: Mapping[str, Mapping[str, str]] = {
    # -- titles and facts -------------------------------------------------------
    "evaluation_report": {"fr": "Rapport d'évaluation", "en": "Evaluation report", "ar": "تقرير التقييم"},
    "comparison_report": {
        "fr": "Comparaison de programmes",
        "en": "Comparison of programmes",
        "ar": "مقارنة بين البرامج",
    },
    "the_programme": {"fr": "Le programme", "en": "The programme", "ar": "البرنامج"},
    "programme": {"fr": "Programme", "en": "Programme", "ar": "البرنامج"},
    "location": {"fr": "Lieu", "en": "Location", "ar": "المكان"},
    "country": {"fr": "Pays", "en": "Country", "ar": "البلد"},
    "dates": {"fr": "Dates", "en": "Dates", "ar": "التواريخ"},
    "languages": {"fr": "Langues", "en": "Languages", "ar": "اللغات"},
    "questionnaire": {"fr": "Questionnaire", "en": "Questionnaire", "ar": "الاستبيان"},
    "questionnaire_version": {"fr": "version {version}", "en": "version {version}", "ar": "الإصدار {version}"},
    "generated_on": {"fr": "Établi le", "en": "Generated on", "ar": "تاريخ الإعداد"},
    "response_rate": {"fr": "Taux de réponse", "en": "Response rate", "ar": "معدل الاستجابة"},
    "n_of_expected": {
        "fr": "{n} réponses sur {expected} participants attendus",
        "en": "{n} responses from {expected} expected participants",
        "ar": "عدد الردود {n} من أصل {expected} من المشاركين المتوقعين",
    },
    "n_responses": {"fr": "{n} réponses", "en": "{n} responses", "ar": "عدد الردود: {n}"},
    "responses_by_language": {
        "fr": "Réponses par langue",
        "en": "Responses by language",
        "ar": "الردود حسب اللغة",
    },
    "page": {"fr": "Page", "en": "Page", "ar": "صفحة"},
    "list_separator": {"fr": ", ", "en": ", ", "ar": "، "},
    # -- statistics -------------------------------------------------------------
    "dimension": {"fr": "Dimension", "en": "Dimension", "ar": "المحور"},
    "median": {"fr": "Médiane", "en": "Median", "ar": "الوسيط"},
    "sd": {"fr": "Écart type", "en": "Standard deviation", "ar": "الانحراف المعياري"},
    "ci_95": {"fr": "IC à 95 %", "en": "95% CI", "ar": "فترة الثقة 95%"},
    "alpha": {"fr": "Alpha de Cronbach", "en": "Cronbach's alpha", "ar": "معامل ألفا كرونباخ"},
    "alpha_basis": {
        "fr": "{n} réponses complètes, {k} items",
        "en": "{n} complete responses, {k} items",
        "ar": "الردود المكتملة: {n}، البنود: {k}",
    },
    "unscored": {"fr": "Sans score", "en": "Without a score", "ar": "بدون درجة"},
    "answered": {"fr": "Réponses", "en": "Answered", "ar": "أجابوا"},
    "skipped": {"fr": "Sans réponse", "en": "Skipped", "ar": "لم يجيبوا"},
    "top_2_box": {
        "fr": "Deux niveaux supérieurs",
        "en": "Top-2-box",
        "ar": "أعلى مستويين",
    },
    "share": {"fr": "Part", "en": "Share", "ar": "النسبة"},
    "option": {"fr": "Option", "en": "Option", "ar": "الخيار"},
    "count": {"fr": "Nombre", "en": "Count", "ar": "العدد"},
    "session": {"fr": "Session", "en": "Session", "ar": "الجلسة"},
    "distribution": {"fr": "Répartition", "en": "Distribution", "ar": "التوزيع"},
    "nps": {"fr": "Score net de recommandation", "en": "Net promoter score", "ar": "صافي نقاط الترويج"},
    "key_figures": {"fr": "Chiffres clés", "en": "Key figures", "ar": "أرقام رئيسية"},
    "answers_by_question": {"fr": "Réponses par question", "en": "Answers by question", "ar": "الإجابات حسب السؤال"},
    "shares_of_all_responses": {
        "fr": "Plusieurs choix possibles : parts de l'ensemble des réponses.",
        "en": "Several options could be ticked: shares are of all responses.",
        "ar": "يمكن اختيار أكثر من خيار: النسب محسوبة من مجموع الردود.",
    },
    # -- before / after ------------------------------------------------------------
    "before_after_section": {
        "fr": "Avant et après le programme",
        "en": "Before and after the programme",
        "ar": "قبل البرنامج وبعده",
    },
    "pairs": {"fr": "Paires", "en": "Pairs", "ar": "الأزواج"},
    "mean_before": {"fr": "Moyenne avant", "en": "Mean before", "ar": "المتوسط قبل"},
    "mean_after": {"fr": "Moyenne après", "en": "Mean after", "ar": "المتوسط بعد"},
    "mean_change": {
        "fr": "Évolution moyenne (après − avant)",
        "en": "Mean change (after − before)",
        "ar": "متوسط التغير (بعد − قبل)",
    },
    "improved": {"fr": "En progrès", "en": "Improved", "ar": "تحسّن"},
    "same": {"fr": "Inchangé", "en": "Same", "ar": "دون تغيير"},
    "declined": {"fr": "En recul", "en": "Declined", "ar": "تراجع"},
    "paired_t": {"fr": "Test t apparié", "en": "Paired t-test", "ar": "اختبار t للعينات المزدوجة"},
    "wilcoxon": {
        "fr": "Test des rangs signés de Wilcoxon",
        "en": "Wilcoxon signed-rank test",
        "ar": "اختبار ويلكوكسون للرتب ذات الإشارة",
    },
    "cohens_dz": {"fr": "d_z de Cohen", "en": "Cohen's d_z", "ar": "حجم الأثر d_z لكوهين"},
    "rank_biserial": {
        "fr": "Corrélation bisériale de rang",
        "en": "Rank-biserial correlation",
        "ar": "معامل الارتباط الثنائي الرتبي",
    },
    "effect_sizes": {"fr": "Tailles d'effet", "en": "Effect sizes", "ar": "أحجام الأثر"},
    "method_exact": {"fr": "exact", "en": "exact", "ar": "دقيق"},
    "method_permutation": {"fr": "permutations", "en": "permutation", "ar": "تباديل"},
    "method_normal": {"fr": "approximation normale", "en": "normal approximation", "ar": "تقريب طبيعي"},
    # -- comments -------------------------------------------------------------------
    "comments": {"fr": "Commentaires", "en": "Comments", "ar": "التعليقات"},
    "n_comments": {"fr": "{n} commentaires", "en": "{n} comments", "ar": "عدد التعليقات: {n}"},
    "no_comments": {"fr": "Aucun commentaire.", "en": "No comments.", "ar": "لا توجد تعليقات."},
    # -- why a figure is not shown --------------------------------------------------
    "withheld_no_answers": {"fr": "Aucune réponse", "en": "No answers", "ar": "لا توجد إجابات"},
    "withheld_too_few_answers": {
        "fr": "Moins de 2 réponses",
        "en": "Fewer than 2 answers",
        "ar": "أقل من إجابتين",
    },
    "withheld_too_few_items": {"fr": "Moins de 3 items", "en": "Fewer than 3 items", "ar": "أقل من 3 بنود"},
    "withheld_too_few_cases": {
        "fr": "Moins de 3 réponses complètes",
        "en": "Fewer than 3 complete responses",
        "ar": "أقل من 3 ردود مكتملة",
    },
    "withheld_zero_variance": {
        "fr": "Aucune variation des réponses",
        "en": "The answers do not vary",
        "ar": "لا يوجد تباين في الإجابات",
    },
    "withheld_too_few_pairs": {"fr": "Moins de 2 paires", "en": "Fewer than 2 pairs", "ar": "أقل من زوجين"},
    "withheld_no_nonzero_differences": {
        "fr": "Aucune note n'a changé",
        "en": "No rating changed",
        "ar": "لم يتغير أي تقييم",
    },
    "withheld_small_cell": {
        "fr": "Moins de {minimum} réponses : non publié",
        "en": "Fewer than {minimum} answers: not shown",
        "ar": "أقل من {minimum} إجابات: لا يُعرض",
    },
    "withheld_no_expected": {
        "fr": "Nombre de participants attendus inconnu",
        "en": "Expected participants unknown",
        "ar": "عدد المشاركين المتوقعين غير معروف",
    },
    "not_shown": {"fr": "non publié", "en": "not shown", "ar": "لا يُعرض"},
    "suppressed_note": {
        "fr": "Groupes de moins de {minimum} répondants non publiés : {cells}.",
        "en": "Groups of fewer than {minimum} respondents are not shown: {cells}.",
        "ar": "لا تُعرض المجموعات التي تضم أقل من {minimum} مستجيبين: {cells}.",
    },
    # -- comparison --------------------------------------------------------------------
    "withheld_not_in_questionnaire": {
        "fr": "Absent du questionnaire",
        "en": "Not in this questionnaire",
        "ar": "غير موجود في هذا الاستبيان",
    },
    "different_questionnaires": {
        "fr": "Ces programmes n'ont pas utilisé le même questionnaire (ou la même version) : seules les dimensions"
        " communes sont comparables.",
        "en": "These programmes did not use the same questionnaire (or version): only the dimensions they share"
        " can be compared.",
        "ar": "لم تستخدم هذه البرامج الاستبيان نفسه (أو الإصدار نفسه): لا تصح المقارنة إلا في المحاور المشتركة.",
    },
    "compare_note": {
        "fr": "Chaque score est calculé comme dans le rapport du programme, avec ses propres participants attendus."
        " Des intervalles qui se chevauchent ne permettent pas de conclure à une différence.",
        "en": "Each score is computed as in the programme's own report, with its own expected participants."
        " Overlapping intervals do not support a claim of a difference.",
        "ar": "تُحسب كل درجة كما في تقرير البرنامج نفسه، وفق عدد المشاركين المتوقعين فيه."
        " ولا تسمح الفترات المتداخلة بالقول بوجود فرق.",
    },
    # -- methods note ----------------------------------------------------------------
    "methods": {"fr": "Méthode", "en": "Methods", "ar": "المنهجية"},
    "methods_n": {
        "fr": "n est le nombre de réponses sur lequel repose chaque chiffre. Les réponses écartées par les"
        " organisateurs (essais, doublons) ne comptent dans aucun chiffre, graphique ni commentaire.",
        "en": "n is the number of answers each figure rests on. Responses the organisers excluded (tests,"
        " duplicates) never count in any figure, chart or comment list.",
        "ar": "يشير n إلى عدد الإجابات التي يستند إليها كل رقم. ولا تُحتسب الردود التي استبعدها المنظمون"
        " (تجارب أو ردود مكررة) في أي رقم أو رسم بياني أو قائمة تعليقات.",
    },
    "methods_ci": {
        "fr": "Les intervalles sont des intervalles de confiance à 95 %. Pour une moyenne, l'intervalle de Student"
        " est resserré par la correction pour population finie √((N − n) / (N − 1)), N étant le nombre de"
        " participants attendus : un rapport sur la plupart d'une petite promotion est presque un recensement,"
        " et si tous ont répondu l'intervalle se réduit à la moyenne.",
        "en": "Intervals are 95% confidence intervals. For a mean, the t interval is narrowed by the"
        " finite-population correction √((N − n) / (N − 1)), N being the expected participants: a report on most"
        " of a small cohort is nearly a census, and when everyone answered the interval is the mean itself.",
        "ar": "الفترات المذكورة فترات ثقة بنسبة 95%. وتُضيَّق فترة t للمتوسط بتصحيح المجتمع المحدود"
        " \u2066√((N − n) / (N − 1))\u2069، حيث N عدد المشاركين المتوقعين: فالتقرير عن معظم أفراد مجموعة صغيرة"
        " يكاد يكون حصرًا شاملًا، وإذا أجاب الجميع انحصرت الفترة في المتوسط نفسه.",
    },
    "methods_wilson": {
        "fr": "Les parts (dont les deux niveaux supérieurs d'une échelle) sont données avec un intervalle de Wilson,"
        " qui reste entre 0 et 100 % et reste fiable pour de petits effectifs.",
        "en": "Shares (including the top two points of a scale) come with a Wilson score interval, which stays"
        " within 0–100% and remains reliable for small n.",
        "ar": "تُعرض النسب (ومنها أعلى مستويين في المقياس) مع فترة ويلسون، التي تبقى بين 0 و100% وتظل موثوقة"
        " مع الأعداد الصغيرة.",
    },
    "methods_dimensions": {
        "fr": "Le score d'une dimension est, pour chaque répondant, la moyenne de ses items (s'il a répondu à la"
        " moitié au moins). L'alpha de Cronbach est calculé sur les réponses complètes ; avec une trentaine de"
        " participants il est imprécis (de l'ordre de ± 0,1) : à lire avec prudence, sans comparer des promotions"
        " sur de petits écarts.",
        "en": "A dimension score is each respondent's mean over its items (if they answered at least half of them)."
        " Cronbach's alpha is computed on complete responses; with about 30 participants it is imprecise (about"
        " ± 0.1): read it with care, and do not compare cohorts on small differences.",
        "ar": "درجة المحور لكل مستجيب هي متوسط بنوده (إذا أجاب عن نصفها على الأقل). ويُحسب معامل ألفا كرونباخ"
        " على الردود المكتملة، وهو غير دقيق مع نحو 30 مشاركًا (بهامش يقارب \u2066± 0.1\u2069): فليُقرأ بحذر، ولا تُقارن"
        " المجموعات على أساس فروق صغيرة فيه.",
    },
    "methods_pairs": {
        "fr": "Les items avant/après sont des auto-évaluations rétrospectives. L'évolution est après − avant pour"
        " chaque participant ; le test t apparié porte sur l'évolution moyenne, le test de Wilcoxon sur le sens"
        " des évolutions ; d_z = évolution moyenne / écart type des évolutions ; la corrélation bisériale de rang"
        " va de −1 (tous en recul) à +1 (tous en progrès).",
        "en": "Before/after items are retrospective self-ratings. The change is after − before for each trainee;"
        " the paired t-test is about the mean change, the Wilcoxon signed-rank test about whether changes lean one"
        " way; d_z = mean change / standard deviation of the changes; the rank-biserial correlation runs from −1"
        " (all declined) to +1 (all improved).",
        "ar": "بنود «قبل/بعد» تقييمات ذاتية بأثر رجعي. والتغير هو (بعد − قبل) لكل مشارك؛ ويتناول اختبار t"
        " للعينات المزدوجة متوسط التغير، ويتناول اختبار ويلكوكسون اتجاه التغيرات؛"
        " و \u2066d_z\u2069 = متوسط التغير / الانحراف المعياري للتغيرات؛ ويتراوح معامل الارتباط الثنائي الرتبي"
        " بين \u2066−1\u2069 (تراجع الجميع) و\u2066+1\u2069 (تحسّن الجميع).",
    },
    "methods_nps": {
        "fr": "Score net de recommandation : % de 9–10 moins % de 0–6 à la question de recommandation (de −100 à"
        " +100).",
        "en": "Net promoter score: % answering 9–10 minus % answering 0–6 to the recommendation question (from"
        " −100 to +100).",
        "ar": "صافي نقاط الترويج: نسبة من أجابوا \u20669–10\u2069 مطروحًا منها نسبة من أجابوا \u20660–6\u2069 على سؤال"
        " التوصية (من \u2066−100\u2069 إلى \u2066+100\u2069).",
    },
    "methods_small_cells": {
        "fr": "Aucun groupe de moins de {minimum} répondants n'est publié (une session notée par moins de"
        " participants, un groupe de langue) : ses chiffres sont remplacés par une mention. Les chiffres non"
        " calculables (trop peu de réponses) sont remplacés par leur raison.",
        "en": "No group of fewer than {minimum} respondents is shown (a session rated by fewer trainees, a language"
        " group): a note replaces its figures. Figures that cannot be computed (too few answers) are replaced by"
        " the reason.",
        "ar": "لا تُنشر أي مجموعة تضم أقل من {minimum} مستجيبين (جلسة قيّمها عدد أقل من المشاركين، أو مجموعة"
        " لغوية): وتحل محل أرقامها ملاحظة. أما الأرقام التي يتعذر حسابها (لقلة الإجابات) فيُذكر سبب ذلك بدلًا منها.",
    },
    "methods_comments": {
        "fr": "Les commentaires sont reproduits tels qu'écrits, dans la langue de la réponse, par question.",
        "en": "Comments are reproduced as written, in the language of the response, by question.",
        "ar": "تُنقل التعليقات كما كُتبت، بلغة الرد، مصنفة حسب السؤال.",
    },
}
