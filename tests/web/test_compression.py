"""A shared page is gzipped once up to the per-visitor part: the file a browser
gets must still be one well-formed gzip member that unpacks to the page."""

from __future__ import annotations

import gzip
import zlib

from hypothesis import given
from hypothesis import strategies as st

from survey.web.compression import SharedStartPage


def unpacked_by_a_browser(data: bytes) -> bytes:
    """What zlib (as in browsers) reads from the body: one gzip member, nothing after it."""
    reader = zlib.decompressobj(16 + zlib.MAX_WBITS)
    page = reader.decompress(data) + reader.flush()
    assert reader.eof
    assert reader.unused_data == b""
    return page


@given(head=st.text(), tail=st.text())
def test_a_shared_page_gzips_to_head_and_tail(head: str, tail: str) -> None:
    page = SharedStartPage(head, "")
    packed = page.gzipped(tail.encode())
    assert unpacked_by_a_browser(packed) == (head + tail).encode()
    assert gzip.decompress(packed) == (head + tail).encode()


def test_a_long_tail_that_repeats_the_head_unpacks_too() -> None:
    head = '<input type="radio" name="q__cq_relevance" value="4">' * 2000
    tail = ('<input id="carry" name="carry" type="hidden" value="' + "x" * 70_000 + '">' + head).encode()
    packed = SharedStartPage(head, "").gzipped(tail)
    assert unpacked_by_a_browser(packed) == head.encode() + tail
    assert len(packed) < len(head) / 10
