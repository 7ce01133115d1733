"""gzip for text responses: the form must stay light on 2G/3G even without a
reverse proxy in front (gunicorn does not compress)."""

from __future__ import annotations

import gzip
import struct
import zlib

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
    then differs (``tail``: a few hidden fields, then the end of the document).

    The head is compressed once; each response compresses only its own tail.
    Compressing the whole trainee form again for every trainee cost more than
    everything else in opening it.
    """

    def __init__(self, head: str, tail: str) -> None:
        self.head = head.encode()
        self.tail = tail
        compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # gzip header, then deflate
        # Flushed to a byte boundary without ending the stream, so that each
        # response can go on with deflate blocks of its own.
        self._head_gz = compressor.compress(self.head) + compressor.flush(zlib.Z_SYNC_FLUSH)
        self._head_crc = zlib.crc32(self.head)

    def gzipped(self, tail: bytes) -> bytes:
        """The gzip file of the head and ``tail``.

        The tail is deflated on its own, its last block marked final, and the
        gzip trailer (CRC-32 and length of the whole page) follows. Going on
        from a copy of the head's compressor instead meant copying its state
        (about 256 KB) for every response; a tail of a few hundred bytes needs
        a small window and little memory, and gains nothing from the head.
        """
        deflate = zlib.compressobj(6, zlib.DEFLATED, -9, 1)  # raw deflate, 512-byte window, memLevel 1
        size = (len(self.head) + len(tail)) & 0xFFFFFFFF
        trailer = struct.pack("<II", zlib.crc32(tail, self._head_crc), size)
        return b"".join((self._head_gz, deflate.compress(tail), deflate.flush(), trailer))

    def response(self, tail: str) -> Response:
        """The page with ``tail`` (this visitor's version of ``self.tail``), gzipped when the browser accepts it."""
        response = current_app.response_class(mimetype="text/html")
        if accepts_gzip():
            response.set_data(self.gzipped(tail.encode()))
            response.headers["Content-Encoding"] = "gzip"
        else:
            response.set_data(self.head + tail.encode())
        response.vary.add("Accept-Encoding")
        return response
