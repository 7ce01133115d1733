"""A light keep-alive HTTP/1.1 client with a cookie jar: one per virtual trainee.

The load generator shares the machine's cores with the server, so this stays
small: http.client, a dict of cookies, and regular expressions instead of an
HTML parser to read the form's hidden fields.
"""

from __future__ import annotations

import gzip
import html
import http.client
import re
import time
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlencode

_HIDDEN = 'type="hidden"'
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')
#: Connection errors after which a reused keep-alive connection is opened anew once,
#: as browsers do; the form's POSTs carry an idempotency key, so a repeat is safe.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    raw: bytes
    #: From sending the request to the last byte of the body, in seconds.
    seconds: float

    def text(self) -> str:
        body = gzip.decompress(self.raw) if self.headers.get("Content-Encoding") == "gzip" else self.raw
        return body.decode("utf-8", "replace")


class Browser:
    """One person's browser: a keep-alive connection, cookies, gzip, French first."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._connection = http.client.HTTPConnection(host, port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        #: Reused connections the server had closed, opened again.
        self.reconnects = 0

    def forget(self) -> None:
        """A new trainee: no cookies (the connection is kept)."""
        self.cookies.clear()

    def close(self) -> None:
        self._connection.close()

    def get(self, path: str) -> Reply:
        return self._send("GET", path, None)

    def post(self, path: str, fields: list[tuple[str, str]]) -> Reply:
        return self._send("POST", path, urlencode(fields).encode())

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        """Any request, with ``headers`` added to (or replacing) the browser's own: a JSON
        API call names its Content-Type and Authorization there."""
        return self._send(method, path, body, headers)

    def _send(self, method: str, path: str, body: bytes | None, extra: dict[str, str] | None = None) -> Reply:
        headers = {"Accept-Encoding": "gzip", "Accept-Language": "fr", "User-Agent": "survey-bench"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers.update(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = self._connection.sock is not None
            try:
                self._connection.request(method, path, body, headers)
                response = self._connection.getresponse()
                raw = response.read()
            except _STALE:
                self._connection.close()
                if attempt == 2 or not reused:
                    raise
                self.reconnects += 1
                continue
            break
        seconds = time.perf_counter() - started
        self._keep_cookies(response.headers)
        return Reply(response.status, response.headers, raw, seconds)

    def _keep_cookies(self, headers: Message) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if not value or "max-age=0" in attributes.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value


def hidden_fields(page: str) -> dict[str, str]:
    """The form's hidden inputs (csrf_token, idem, page, carry), by name.

    Found from each ``type="hidden"`` back to its tag's start: a pattern
    matched at every ``<input`` of a form of a hundred radio buttons cost the
    load generator 0.13 ms per page, on the cores the server runs on.
    """
    fields: dict[str, str] = {}
    found = page.find(_HIDDEN)
    while found != -1:
        start, end = page.rfind("<", 0, found), page.find(">", found)
        if page.startswith("<input", start):
            attributes = dict(_ATTRIBUTE.findall(page, start, end))
            if "name" in attributes:
                fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
        found = page.find(_HIDDEN, end)
    return fields
