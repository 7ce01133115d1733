"""Everything a worker keeps in memory between requests, in one place.

Each cache below says what it keeps, why keeping it is safe when several
workers and hosts serve the same database, and how many entries it may
hold. Nothing else in the code keeps state across requests (a test,
tests/test_caches.py, fails on an ``lru_cache``, a ``functools.cache`` or a
module-level dict filled at run time anywhere else), and :func:`clear_all`
empties them all: the tests call it between tests.

A full cache is emptied rather than trimmed one entry at a time: every entry
is cheap to build again, and the common case stays one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Generic, ParamSpec, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
P = ParamSpec("P")


class Cache(Generic[K, V]):
    """A bounded dictionary with a name and a reason, listed in ALL."""

    def __init__(self, name: str, bound: int, safe_because: str) -> None:
        self.name = name
        self.bound = bound
        #: Why a worker may keep these entries while others change the database.
        self.safe_because = safe_because
        self._entries: dict[K, V] = {}
        ALL.append(self)

    def get(self, key: K) -> V | None:
        return self._entries.get(key)

    def put(self, key: K, value: V) -> V:
        if len(self._entries) >= self.bound and key not in self._entries:
            self._entries.clear()
        self._entries[key] = value
        return value

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: Every cache, in the order defined below.
ALL: list[Cache[Any, Any]] = []


def clear_all() -> None:
    """Empty every cache (tests; a worker never needs to)."""
    for cache in ALL:
        cache.clear()


def memoised(cache: Cache[tuple[object, ...], V]) -> Callable[[Callable[P, V]], Callable[P, V]]:
    """Keep a function's results in ``cache``, by its positional arguments."""

    def decorate(function: Callable[P, V]) -> Callable[P, V]:
        @wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> V:
            if kwargs:
                raise TypeError(f"{function.__name__} is memoised by its positional arguments only")
            found = cache.get(args)
            return found if found is not None else cache.put(args, function(*args, **kwargs))

        return call

    return decorate


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
    "a copy is shown for at most SURVEY_PROGRAMME_COPY_SECONDS after it was last found current "
    "(one small query compares its revision), a change made in this worker is seen at once, and "
    "a response is stored only if the programme is still at the copy's revision",
)
PROGRAMME_CHECKED: Cache[str, float] = Cache(
    "when each programme copy was last found current",
    512,
    "goes with the copies above",
)

# --- pages and forms built from a questionnaire version -----------------------------

PAPER_ENTRY_FORMS: Cache[object, type[Any]] = Cache(
    "paper data-entry form classes by questionnaire version and sessions",
    64,
    "built from the definition and the programme's sessions, both part of the key",
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
