"""Form bodies read field by field, so that one badly encoded answer costs only that answer.

Werkzeug decodes a URL-encoded body as one UTF-8 string: a single byte that is
not UTF-8 (a phone keyboard or a proxy that sends Latin-1, a corrupted upload)
raises, the parser swallows the error and the view sees an empty form, so a
trainee's every answer vanished while the page said they were kept. And a
percent-escape that decodes to invalid UTF-8 came through as the literal
escape (``Tr%E8s``), stored as if the trainee had typed it.

Here each name and value is decoded on its own: a value that is not UTF-8 (or
holds a NUL) is decoded with U+FFFD in place of what could not be read, and its
field is listed in :attr:`DecodedForm.unreadable`, so the form can say which answer to
check while keeping every other one.
"""

from __future__ import annotations

from typing import IO, Any
from urllib.parse import unquote_to_bytes

from flask import Request
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import FormDataParser


class DecodedForm(MultiDict[str, str]):
    """The posted fields, and the names of those whose value was not UTF-8."""

    unreadable: frozenset[str] = frozenset()


def decode_form(body: bytes) -> DecodedForm:
    """``application/x-www-form-urlencoded`` ``body`` as fields, each decoded on its own."""
    items: list[tuple[str, str]] = []
    unreadable: set[str] = set()
    for pair in body.split(b"&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode("utf-8", "replace").replace("\x00", "\ufffd")
        value_bytes = unquote_to_bytes(raw_value.replace(b"+", b" "))
        try:
            value = value_bytes.decode("utf-8")
        except UnicodeDecodeError:
            value = value_bytes.decode("utf-8", "replace")
            unreadable.add(name)
        if "\x00" in value:
            # No keyboard types a NUL, and a database may refuse one in any text: unreadable too.
            value = value.replace("\x00", "\ufffd")
            unreadable.add(name)
        items.append((name, value))
    form = DecodedForm(items)
    form.unreadable = frozenset(unreadable)
    return form


class FieldByFieldParser(FormDataParser):
    def _parse_urlencoded(
        self, stream: IO[bytes], mimetype: str, content_length: int | None, options: dict[str, str]
    ) -> tuple[IO[bytes], MultiDict[str, Any], MultiDict[str, Any]]:
        # The stream is already limited to MAX_CONTENT_LENGTH, as for Werkzeug's own parser.
        return stream, decode_form(stream.read()), self.cls()


class SurveyRequest(Request):
    form_data_parser_class = FieldByFieldParser


def unreadable_fields(form: MultiDict[str, str]) -> frozenset[str]:
    """Fields of ``form`` whose value was not UTF-8 (none for a form parsed otherwise)."""
    return form.unreadable if isinstance(form, DecodedForm) else frozenset()
