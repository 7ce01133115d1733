"""The central service's JSON API, as a field instance calls it (survey.services.push).

The standard library's HTTP client, to the configured address only: the token
goes in each request's Authorization header, and a redirect is never followed
(it could carry the token to another host), so a central behind a redirecting
address must be configured with its final address.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

#: Seconds to wait for the central to connect or answer one call; then the push stops cleanly.
TIMEOUT = 20.0
#: The central's API, under its address.
API = "/api/v1"


class Unreachable(Exception):
    """The central could not be reached or did not answer (no network, down, timed out, redirected)."""


@dataclass(frozen=True)
class Answer:
    """One answer of the central: its status and its JSON body (a problem detail when refused)."""

    status: int
    body: dict[str, Any]
    retry_after: str = ""

    @property
    def problem(self) -> str:
        """The problem's type after ``/api/v1/problems/`` (``not-found``), or "" if none."""
        kind = str(self.body.get("type", ""))
        return kind.rsplit("/", 1)[-1] if kind else ""

    @property
    def detail(self) -> str:
        return str(self.body.get("detail", ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        raise Unreachable("the central service answered with a redirect; configure its final address")


def checked_url(value: str) -> str:
    """``value`` without its trailing slash, or ValueError if it is not an absolute http(s) address."""
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"SURVEY_CENTRAL_URL must look like https://survey.example.org, not {value!r}")
    return value


class Central:
    """The central service at ``url``, called with ``token``, its answers in ``language``."""

    def __init__(self, url: str, token: str, language: str = "en", timeout: float = TIMEOUT) -> None:
        self.url = checked_url(url)
        self.token = token
        self.language = language
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect())

    def codebook(self, slug: str) -> Answer:
        return self._call("GET", f"/programmes/{quote(slug, safe='')}/codebook")

    def submit(self, slug: str, key: str, body: dict[str, Any]) -> Answer:
        """POST one response with its Idempotency-Key (a UUID)."""
        return self._call("POST", f"/programmes/{quote(slug, safe='')}/responses", body, {"Idempotency-Key": key})

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, extra: dict[str, str] | None = None
    ) -> Answer:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/json",
            "Accept-Language": self.language,
            **(extra or {}),
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.url + API + path, data=data, headers=headers, method=method)  # noqa: S310 (http(s) only: checked_url)
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return Answer(reply.status, _json(reply.read()))
        except urllib.error.HTTPError as error:
            with error:
                return Answer(error.code, _json(error.read()), error.headers.get("Retry-After", ""))
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise Unreachable(str(getattr(error, "reason", error))) from None


def _json(raw: bytes) -> dict[str, Any]:
    try:
        found = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
