"""gzip for text responses: the form must stay light on 2G/3G even without a
reverse proxy in front (gunicorn does not compress)."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

from flask import Flask, Response, current_app, request

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")
MIN_SIZE = 512


def accepts_gzip() -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(response: Response) -> Response:
    if (
        response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or not accepts_gzip()
        or not (response.mimetype or "").startswith(COMPRESSIBLE)
        or (response.is_streamed and not response.direct_passthrough)
    ):
        return response
    response.direct_passthrough = False
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def register_compression(app: Flask) -> None:
    app.after_request(compress)


class SharedStartPage:
    """An HTML page that is the same for every visitor up to a point (``head``),
    then differs (``tail``: a few tokens, then the end of the document).

    The head is compressed once and the compressor's state kept; each response
    compresses only its own tail from a copy of that state. Compressing the
    whole trainee form again for every trainee cost more than everything else
    in opening it.
    """

    def __init__(self, head: str, tail: str) -> None:
        self.head = head.encode()
        self.tail = tail
        self._compressor: Any = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip container
        # Flushed (keeping the dictionary, so the tail still refers back to
        # the head): otherwise every response would encode the head's pending
        # block again when it finishes its copy.
        self._head_gz = self._compressor.compress(self.head) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    def response(self, tail: str) -> Response:
        """The page with ``tail`` (this visitor's version of ``self.tail``), gzipped when the browser accepts it."""
        response = current_app.response_class(mimetype="text/html")
        if accepts_gzip():
            compressor = self._compressor.copy()
            response.set_data(self._head_gz + compressor.compress(tail.encode()) + compressor.flush())
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.set_data(self.head + tail.encode())
        response.vary.add("Accept-Encoding")
        return response
