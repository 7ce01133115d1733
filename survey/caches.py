"""Everything a worker of the service keeps in memory between requests.

Each cache below says what it keeps, why keeping it is safe when several
workers and hosts serve the same database, and how many entries it may hold.
The machinery, and the caches of the reports library, are in reports/caches.py:
one registry (``ALL``) and one :func:`clear_all` for both.
"""

from __future__ import annotations

from typing import Any

from reports.caches import Cache

# --- the database's unchanging rows -------------------------------------------------

QUESTION_IDS: Cache[object, dict[str, int]] = Cache(
    "question ids by questionnaire version",
    256,
    "a stored questionnaire version and its questions are never changed, only replaced by a new "
    "version; the key names the version by id, code, version and creation time, so an id reused "
    "after a delete is a new key",
)
QUESTIONNAIRE_DEFINITIONS: Cache[object, dict[str, Any]] = Cache(
    "questionnaire definitions by version",
    256,
    "as for question ids: a stored version never changes",
)

# --- programmes as trainees see them ------------------------------------------------

PROGRAMME_COPIES: Cache[str, Any] = Cache(
    "programmes as trainees see them, by short name",
    512,
    "a copy is shown for at most SURVEY_PUBLISHED_PROGRAMME_SECONDS after it was last found current "
    "(one small query compares its revision), a change made in this worker is seen at once, and "
    "a response is stored only if the programme is still at the copy's revision",
)
PROGRAMME_CHECKED: Cache[str, float] = Cache(
    "when each programme copy was last found current",
    512,
    "goes with the copies above",
)

# --- pages and forms built from a questionnaire version -----------------------------

COMPILED_FORMS: Cache[object, Any] = Cache(
    "trainee forms compiled by questionnaire version, sessions and text limit",
    256,
    "built from the definition's digest and the programme's sessions, both part of the key",
)
DEFINITION_DIGESTS: Cache[int, tuple[Any, str]] = Cache(
    "questionnaire definitions' digests, by the definition object",
    1024,
    "an entry keeps its definition object alive, so its id cannot be reused for another one, "
    "and a stored definition is never changed in place",
)

PAPER_ENTRY_FORMS: Cache[object, type[Any]] = Cache(
    "paper data-entry form classes by questionnaire version and sessions",
    64,
    "built from the definition and the programme's sessions, both part of the key",
)

SHARED_PAGES: Cache[object, Any] = Cache(
    "trainee form pages every trainee is shown alike, rendered and compressed",
    256,
    "the key names the compiled form, the programme's version, the language, the page and the "
    "hidden fields' names; each trainee's own values are put in at the end, per request",
)
RECEIPT_SIGNERS: Cache[str, Any] = Cache(
    "the signer of receipt cookies, by secret key",
    4,
    "a pure function of the secret key, which every worker shares",
)

# --- the language of each request ----------------------------------------------------

LOCALES: Cache[str, Any] = Cache(
    "Babel locales by language code",
    16,
    "a locale is a constant of its code; every request chooses one",
)
ACCEPT_LANGUAGE_MATCHES: Cache[tuple[str, tuple[str, ...]], str] = Cache(
    "the language chosen for each Accept-Language header and offer",
    512,
    "a pure function of the header and the offered languages; browsers send a few distinct headers",
)

# --- constants computed once --------------------------------------------------------

STATIC_DIGESTS: Cache[tuple[object, ...], str] = Cache(
    "digests of static files, for their versioned URLs",
    256,
    "static files change only with a new release, which restarts the workers",
)
DUMMY_PASSWORD_HASH: Cache[tuple[object, ...], str] = Cache(
    "the hash checked when a sign-in names no account",
    1,
    "a constant, computed on first use because hashing is slow on purpose",
)
