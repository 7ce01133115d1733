"""What a process keeps in memory between calls: the caches of the reports
library, and the machinery every cache of the service uses.

The service's own caches are in survey/caches.py; the library's are here,
because reports/ may not import the service. Both register in one list,
:data:`ALL`, which :func:`clear_all` empties (the tests call it between
tests), and nothing else in the code keeps state across requests: a test,
tests/test_caches.py, fails on an ``lru_cache``, a ``functools.cache`` or a
module-level dict filled at run time anywhere else. Each cache says what it
keeps, why keeping it is safe when several workers and hosts serve the same
database, and how many entries it may hold.

A full cache is emptied rather than trimmed one entry at a time: every entry
is cheap to build again, and the common case stays one dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, Generic, ParamSpec, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
R = TypeVar("R")
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


def memoised(cache: Cache[Any, Any]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep a function's results in ``cache``, by the function and its positional arguments."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        name = f"{function.__module__}.{function.__qualname__}"

        @wraps(function)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs:
                raise TypeError(f"{name} is memoised by its positional arguments only")
            key = (name, *args)
            found: R | None = cache.get(key)
            return found if found is not None else cache.put(key, function(*args, **kwargs))

        return call

    return decorate


# --- files of the library, which change only with a release ----------------------

REPORT_TRANSLATIONS: Cache[str, Any] = Cache(
    "the reports' translation catalogs, by language",
    8,
    "read from the package's own files, which change only with a release; a dashboard refresh "
    "labels its charts every few seconds",
)
REPORT_FILES: Cache[tuple[object, ...], Any] = Cache(
    "plotly.js and the report templates' environment",
    8,
    "read from the package's files (or the file SURVEY_PLOTLY_JS names), which change only with "
    "a release; plotly.js is several megabytes, read for every HTML report",
)
