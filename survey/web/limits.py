"""Rate limits that slow down whoever guesses, never the owner or the room.

Counts are kept by the ``limits`` library (the engine of Flask-Limiter), in a
moving window: in this process's memory for ``survey serve`` (one process with
threads), in Redis (``SURVEY_REDIS_URL``) as soon as several processes or hosts
serve, so that every worker sees the same counts; :func:`init_limits` refuses
to make an application that would count per process among several.

Flask-Limiter's decorators are not used: they decide before the view runs, from
the request alone, and count every request they let through; here the view
decides, because only it knows whether a password or a code was refused, and
the trainee form must come back with its answers kept when it refuses a code.

What is counted, and why each limit is where it is (docs/rate-limits.md gives
the figures a stranger can reach):

* sign-in, per client address and account together: every checked attempt,
  forgotten once the right password comes (so only failures stay counted), in
  growing steps (:data:`LOGIN_BY_CLIENT_AND_ACCOUNT`). A stranger's guesses slow
  down that stranger only: the owner signing in from another address is never
  delayed, and nothing in the database locks an account;
* sign-in failures per account from every address (:data:`LOGIN_FAILURES_BY_ACCOUNT`),
  for guessing spread over many addresses: above what one client can reach;
* sign-in failures per client address, every account together
  (:data:`LOGIN_FAILURES_BY_CLIENT`): one client trying many accounts;
* refused invitation codes per client address (:data:`CODE_REFUSALS_BY_CLIENT`),
  on the code page, the form and ``/c/<code>``: a room of phones behind one
  address types its codes without ever meeting it, valid codes never count.

Keys name the account by a digest of its email (the same for every email,
known or not, so the answers cannot tell them apart) and the client by its
address (an IPv6 client by its /64, which one subscriber usually holds whole).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Response, current_app, make_response, request
from flask.typing import ResponseReturnValue
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

Limits = tuple[RateLimitItem, ...]

#: Checked sign-in attempts by one client on one account: each step waits longer.
LOGIN_BY_CLIENT_AND_ACCOUNT: Limits = tuple(parse_many("5/minute;10/10 minutes;20/hour;50/day"))
#: Failed sign-ins on one account from every address together: more than one client can reach.
LOGIN_FAILURES_BY_ACCOUNT: Limits = tuple(parse_many("100/hour;500/day"))
#: Failed sign-ins from one client address, every account together.
LOGIN_FAILURES_BY_CLIENT: Limits = tuple(parse_many("30/minute;100/hour;300/day"))
#: Refused invitation codes from one client address (a room of phones shares one).
CODE_REFUSALS_BY_CLIENT: Limits = tuple(parse_many("100/10 minutes;300/hour;1000/day"))
#: How long the dashboard says that someone was stopped guessing codes.
GUESSING_NOTICE_SECONDS = 24 * 3600
#: Guessing through /c/<code> names no programme: every programme in codes mode is told.
ANY_PROGRAMME = "*"

_EXTENSION = "survey.limits"
F = TypeVar("F", bound=Callable[..., Any])


class SeveralWorkersWithoutRedis(RuntimeError):
    """Several processes would each count in their own memory: a stranger's
    guesses would be spread over them, and each would allow its own share."""


class RateLimits:
    """The counters of one application, and the moving-window arithmetic on them.

    A Redis that cannot be reached does not stop the service: the counts go to
    this process's memory until it answers again (logged), so trainees are
    still let in and guessing is still slowed down, per process.
    """

    def __init__(self, storage_uri: str) -> None:
        options: dict[str, Any] = {"wrap_exceptions": True}
        if storage_uri.startswith(("redis://", "rediss://", "unix://")):
            # A Redis that does not answer must not hold a trainee's request for long.
            options.update(socket_timeout=2, socket_connect_timeout=2)
        storage = cast(Storage, storage_from_string(storage_uri or "memory://", **options))
        self.storage = storage
        self._shared = MovingWindowRateLimiter(storage)
        self._local = self._shared if isinstance(storage, MemoryStorage) else None

    def _fallback(self, error: StorageError) -> MovingWindowRateLimiter:
        current_app.logger.error("rate-limit storage unreachable, counting in this process: %s", error)
        if self._local is None:
            self._local = MovingWindowRateLimiter(MemoryStorage())
        return self._local

    def _each(self, action: Callable[[MovingWindowRateLimiter], Any]) -> Any:
        try:
            return action(self._shared)
        except StorageError as error:
            return action(self._fallback(error))

    def wait(self, limits: Limits, *key: str) -> int:
        """Seconds before one more hit fits under every limit of ``limits``; 0: now."""

        def seconds(strategy: MovingWindowRateLimiter) -> int:
            waits = [
                strategy.get_window_stats(limit, *key).reset_time - time.time()
                for limit in limits
                if not strategy.test(limit, *key)
            ]
            return max(1, math.ceil(max(waits))) if waits else 0

        return cast(int, self._each(seconds))

    def take(self, limits: Limits, *key: str) -> int:
        """Count one hit if it fits under every limit and answer 0; else count
        nothing (as far as a concurrent hit allows) and answer the seconds to wait."""
        waiting = self.wait(limits, *key)
        if waiting:
            return waiting

        def hit_all(strategy: MovingWindowRateLimiter) -> bool:
            return all(strategy.hit(limit, *key) for limit in limits)

        return 0 if self._each(hit_all) else self.wait(limits, *key)

    def count(self, limits: Limits, *key: str) -> None:
        """Count one hit (a failure seen after the fact)."""
        self._each(lambda strategy: [strategy.hit(limit, *key) for limit in limits])

    def forget(self, limits: Limits, *key: str) -> None:
        def clear_all(strategy: MovingWindowRateLimiter) -> None:
            for limit in limits:
                strategy.clear(limit, *key)

        self._each(clear_all)

    def note(self, name: str) -> None:
        """Remember for GUESSING_NOTICE_SECONDS (from the first note) that ``name`` happened."""
        self._each(lambda strategy: strategy.storage.incr(f"survey/note/{name}", GUESSING_NOTICE_SECONDS))

    def noted(self, name: str) -> bool:
        return bool(self._each(lambda strategy: strategy.storage.get(f"survey/note/{name}")))

    def reset(self) -> None:
        """Forget every count (tests; the memory storage only, Redis is shared)."""
        if isinstance(self.storage, MemoryStorage):
            self.storage.reset()


def several_workers(app: Flask) -> bool:
    """Whether other processes serve this service too: SURVEY_WORKERS when set,
    else whether gunicorn (which forks workers) runs this one."""
    declared = int(app.config.get("WORKERS") or 0)
    if declared:
        return declared > 1
    return os.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")


def init_limits(app: Flask) -> None:
    """Give ``app`` its counters, and read the client's address behind the
    trusted proxies. Raises SeveralWorkersWithoutRedis when counts kept in
    memory would be one process's among several."""
    redis_url = str(app.config.get("REDIS_URL") or "")
    if not redis_url and several_workers(app):
        raise SeveralWorkersWithoutRedis(
            "several processes serve this service (gunicorn, or SURVEY_WORKERS > 1): set SURVEY_REDIS_URL "
            "(redis://host:6379/0) so that they share their rate-limit counts, or SURVEY_WORKERS=1 if this "
            "is the only process on the only host"
        )
    app.extensions[_EXTENSION] = RateLimits(redis_url)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Each trusted proxy appends the address it received the request from; only
        # those last ``proxies`` entries are believed, the rest the client may have written.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]


def rate_limits(app: Flask | None = None) -> RateLimits:
    return cast(RateLimits, (app or current_app).extensions[_EXTENSION])


def client_address() -> str:
    """The client's address as the limits name it: IPv4 whole (mapped into IPv6 too), IPv6 by its /64."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client of a server listening on [::]
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address) + "/64"
    return str(address)


def _account(email: str) -> str:
    """The account as the limits name it, known or not: a digest of the email as typed
    (emails stay out of the counters' store)."""
    return hashlib.blake2b(email.strip().lower().encode("utf-8", "replace"), digest_size=16).hexdigest()


# --- sign-in ----------------------------------------------------------------------------


def sign_in_wait(email: str) -> int:
    """Seconds this client must wait before trying ``email`` again; 0: try now
    (and the attempt is counted, until :func:`signed_in` forgets it)."""
    limits, client, account = rate_limits(), client_address(), _account(email)
    return (
        limits.wait(LOGIN_FAILURES_BY_ACCOUNT, "login-account", account)
        or limits.wait(LOGIN_FAILURES_BY_CLIENT, "login-client", client)
        or limits.take(LOGIN_BY_CLIENT_AND_ACCOUNT, "login-pair", client, account)
    )


def sign_in_failed(email: str) -> None:
    limits, account = rate_limits(), _account(email)
    limits.count(LOGIN_FAILURES_BY_ACCOUNT, "login-account", account)
    limits.count(LOGIN_FAILURES_BY_CLIENT, "login-client", client_address())


def signed_in(email: str) -> None:
    """The right password: this client's attempts on this account are forgotten."""
    rate_limits().forget(LOGIN_BY_CLIENT_AND_ACCOUNT, "login-pair", client_address(), _account(email))


# --- invitation codes -------------------------------------------------------------------


def code_wait() -> int:
    """Seconds this client must wait before a code is checked for it again; 0: now."""
    return rate_limits().wait(CODE_REFUSALS_BY_CLIENT, "codes-client", client_address())


def code_refused(programme_slug: str = ANY_PROGRAMME) -> None:
    """Count a refused code; once the client reaches its limit, the programme's
    dashboard (every codes programme's, for ``/c/<code>``) says someone guessed."""
    limits, client = rate_limits(), client_address()
    limits.count(CODE_REFUSALS_BY_CLIENT, "codes-client", client)
    if limits.wait(CODE_REFUSALS_BY_CLIENT, "codes-client", client):
        limits.note(f"guessing/{programme_slug}")


def codes_guessed(programme_slug: str) -> bool:
    """Whether someone reached the code limit on this programme, or on /c/, lately."""
    limits = rate_limits()
    return limits.noted(f"guessing/{programme_slug}") or limits.noted(f"guessing/{ANY_PROGRAMME}")


def with_retry_after(response: Response, seconds: int) -> Response:
    response.headers["Retry-After"] = str(seconds)
    return response


def limit_code_links(answer_waiting: Callable[[int], ResponseReturnValue]) -> Callable[[F], F]:
    """For a view that looks a code up: refused with ``answer_waiting(seconds)``
    while the client waits, and each code it does not know (a 404, raised or
    answered) counted against the client."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            waiting = code_wait()
            if waiting:
                return with_retry_after(make_response(answer_waiting(waiting)), waiting)
            try:
                response = make_response(view(*args, **kwargs))
            except NotFound:
                code_refused()
                raise
            if response.status_code == 404:
                code_refused()
            return response

        return cast(F, wrapped)

    return decorator


# --- the JSON API -----------------------------------------------------------------------

#: Calls by one API token: a script reading every programme, or a kiosk app sending, stays under it.
API_CALLS_BY_TOKEN: Limits = tuple(parse_many("120/minute;3000/hour"))
#: Calls refused for a missing or invalid token, per client address: guessing tokens.
API_REFUSALS_BY_CLIENT: Limits = tuple(parse_many("20/minute;100/hour;500/day"))


def api_refusals_wait() -> int:
    """Seconds this client must wait before its bearer token is checked again; 0: now."""
    return rate_limits().wait(API_REFUSALS_BY_CLIENT, "api-refused", client_address())


def api_refused() -> None:
    """Count a call refused for its token against the client's address."""
    rate_limits().count(API_REFUSALS_BY_CLIENT, "api-refused", client_address())


def api_call_wait(token_id: int) -> int:
    """Count one call of a valid token and answer 0, or the seconds to wait (nothing counted)."""
    return rate_limits().take(API_CALLS_BY_TOKEN, "api-token", str(token_id))
