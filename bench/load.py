"""Closed-loop load: C virtual trainees, each doing its unit of work again and
again, with no think time, until the time or the request budget runs out."""

from __future__ import annotations

import http.client
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bench.client import Browser, Reply, hidden_fields

#: Seconds a single request may take before it counts as failed.
REQUEST_TIMEOUT = 30.0
_SESSION_FIELD = re.compile(r'name="q__session_usefulness__([^"]+)"')


class UnitFailed(Exception):
    """A request answered with another status than the unit expects."""


@dataclass
class Tally:
    """What one virtual trainee saw; merged once every thread has stopped."""

    units: int = 0
    requests: int = 0
    reconnects: int = 0
    request_seconds: list[float] = field(default_factory=list)
    unit_seconds: list[float] = field(default_factory=list)
    #: Idempotency keys of the units the server acknowledged (a 303 after the write).
    acknowledged: list[str] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


class Unit(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def requests_per_unit(self) -> int: ...

    def __call__(self, browser: Browser, tally: Tally) -> None: ...


def _expect(tally: Tally, reply: Reply, status: int, step: str) -> Reply:
    tally.requests += 1
    tally.request_seconds.append(reply.seconds)
    if reply.status != status:
        raise UnitFailed(f"{step}: HTTP {reply.status}")
    return reply


@dataclass(frozen=True)
class TraineeForm:
    """A trainee with JavaScript (the unit of the targets): GET the form, then one
    POST of every page's answers with ``whole=1``, as static/js/form.js sends it
    once the phone has turned the pages itself. The 303 to the receipt ends the
    unit and is not followed."""

    path: str
    #: The answers of each page, as form fields.
    pages: tuple[tuple[tuple[str, str], ...], ...]
    name: str = "trainee"
    requests_per_unit: int = 2

    def __call__(self, browser: Browser, tally: Tally) -> None:
        browser.forget()
        hidden = hidden_fields(_expect(tally, browser.get(self.path), 200, "GET form").text())
        fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "carry")]
        fields += [("page", str(len(self.pages) - 1)), ("whole", "1")]
        fields += [pair for answers in self.pages for pair in answers]
        fields.append(("action", "send"))
        _expect(tally, browser.post(self.path, fields), 303, "POST whole form")
        tally.acknowledged.append(hidden.get("idem", ""))


@dataclass(frozen=True)
class TraineeFormWithoutJavaScript:
    """A trainee with JavaScript off: GET the form, POST pages 1 and 2, POST page 3
    with action=send; the 303 to the receipt ends the unit and is not followed."""

    path: str
    pages: tuple[tuple[tuple[str, str], ...], ...]
    name: str = "trainee, no JS"
    requests_per_unit: int = 4

    def __call__(self, browser: Browser, tally: Tally) -> None:
        browser.forget()
        hidden = hidden_fields(_expect(tally, browser.get(self.path), 200, "GET form").text())
        key = hidden.get("idem", "")
        for index, answers in enumerate(self.pages, start=1):
            last = index == len(self.pages)
            fields = [(name, hidden.get(name, "")) for name in ("csrf_token", "idem", "page", "carry")]
            fields += [*answers, ("action", "send" if last else "next")]
            reply = _expect(tally, browser.post(self.path, fields), 303 if last else 200, f"POST page {index}")
            if not last:
                hidden = hidden_fields(reply.text())
                if hidden.get("page") != str(index):
                    raise UnitFailed(f"POST page {index}: answered page {hidden.get('page')} instead of {index}")
        tally.acknowledged.append(key)


def default_answers(session_ids: list[str]) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Valid answers to the three pages of the default questionnaire (as tests/helpers.full_answers)."""
    return (
        (
            ("q__cq_relevance", "5"),
            ("q__cq_clarity", "4"),
            ("q__cq_depth", "4"),
            ("q__cq_materials", "3"),
            *((f"q__session_usefulness__{sid}", "4") for sid in session_ids),
        ),
        (
            ("q__pi_awareness", "4"),
            ("q__pi_intention", "5"),
            ("q__org_duration", "3"),
            ("q__org_logistics", "4"),
            ("q__overall_satisfaction", "5"),
            ("q__recommend", "9"),
            ("q__helpful_formats", "workshops"),
            ("q__helpful_formats", "case_studies"),
            ("q__attended_before", "no"),
            ("q__comment_useful", "Les études de cas"),
            ("q__comment_improve", ""),
        ),
        (
            ("q__ba_knowledge__before", "2"),
            ("q__ba_knowledge__after", "4"),
            ("q__ba_methods__before", "2"),
            ("q__ba_methods__after", "5"),
            ("q__ba_confidence__before", "3"),
            ("q__ba_confidence__after", "4"),
        ),
    )


def session_ids(page: str) -> list[str]:
    """The programme's session ids, from the matrix question's input names."""
    return list(dict.fromkeys(_SESSION_FIELD.findall(page)))


@dataclass(frozen=True)
class BareInsert:
    """The bare endpoint: one POST that inserts one row and answers 303."""

    path: str = "/bare"
    name: str = "bare POST"
    requests_per_unit: int = 1

    def __call__(self, browser: Browser, tally: Tally) -> None:
        key = uuid.uuid4().hex
        _expect(tally, browser.post(self.path, [("key", key), ("payload", "Les études de cas")]), 303, "POST bare")
        tally.acknowledged.append(key)


@dataclass(frozen=True)
class BareForm:
    """The bare endpoint with a trainee's shape: a GET, then ``posts`` POSTs (each inserts)."""

    posts: int = 1
    path: str = "/bare"

    @property
    def name(self) -> str:
        return f"bare GET+{self.posts}POST" if self.posts > 1 else "bare GET+POST"

    @property
    def requests_per_unit(self) -> int:
        return 1 + self.posts

    def __call__(self, browser: Browser, tally: Tally) -> None:
        _expect(tally, browser.get(self.path), 200, "GET bare")
        for index in range(1, self.posts + 1):
            key = uuid.uuid4().hex
            reply = browser.post(self.path, [("key", key), ("payload", "Les études de cas")])
            _expect(tally, reply, 303, f"POST bare {index}")
            tally.acknowledged.append(key)


class _Budget:
    """The hard cap on requests, shared by every thread."""

    def __init__(self, requests: int) -> None:
        self._left = requests
        self._lock = threading.Lock()
        self.exhausted = False

    def take(self, requests: int) -> bool:
        with self._lock:
            if self._left < requests:
                self.exhausted = True
                return False
            self._left -= requests
            return True


@dataclass
class Outcome:
    tally: Tally
    #: From the start signal until the last virtual trainee stopped, in seconds.
    elapsed: float
    #: True when the request cap, not the clock, ended the run.
    capped: bool


def drive(
    unit: Unit,
    port: int,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    on_start: Callable[[], None] = lambda: None,
) -> Outcome:
    """Run ``concurrency`` virtual trainees for ``seconds``; units under way at the
    deadline are finished. ``on_start`` is called just before the start signal."""
    budget = _Budget(max_requests)
    stop = threading.Event()
    gate = threading.Barrier(concurrency + 1)
    clock = {"deadline": 0.0}
    tallies: list[Tally] = []

    def virtual_trainee() -> None:
        browser = Browser("127.0.0.1", port, REQUEST_TIMEOUT)
        tally = Tally()
        try:
            gate.wait()
            while not stop.is_set() and time.monotonic() < clock["deadline"] and budget.take(unit.requests_per_unit):
                started = time.perf_counter()
                try:
                    unit(browser, tally)
                except UnitFailed as exc:
                    tally.errors[str(exc)] += 1
                    browser.close()
                    continue
                except (OSError, http.client.HTTPException) as exc:
                    tally.errors[type(exc).__name__] += 1
                    browser.close()
                    continue
                tally.unit_seconds.append(time.perf_counter() - started)
                tally.units += 1
        except threading.BrokenBarrierError:
            pass
        finally:
            browser.close()
            tally.reconnects = browser.reconnects
            tallies.append(tally)

    threads = [threading.Thread(target=virtual_trainee, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    try:
        on_start()
        started = time.monotonic()
        clock["deadline"] = started + seconds
        gate.wait(timeout=30)
        # A unit under way at the deadline may take a few requests' timeouts more.
        hard_end = clock["deadline"] + 4 * REQUEST_TIMEOUT + 5
        for thread in threads:
            thread.join(timeout=max(0.0, hard_end - time.monotonic()))
        elapsed = time.monotonic() - started
    except BaseException:
        stop.set()
        gate.abort()
        raise
    if any(thread.is_alive() for thread in threads):
        stop.set()
        raise RuntimeError("virtual trainees did not stop in time")
    return Outcome(_merge(tallies), elapsed, budget.exhausted)


def _merge(tallies: list[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.units += tally.units
        total.requests += tally.requests
        total.reconnects += tally.reconnects
        total.request_seconds += tally.request_seconds
        total.unit_seconds += tally.unit_seconds
        total.acknowledged += tally.acknowledged
        total.errors.update(tally.errors)
    return total
