"""The load generator reads the form's hidden fields as a browser would."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from bench.client import hidden_fields
from survey.models import Programme


class _HiddenInputs(HTMLParser):
    """The reference: a real HTML parser's view of the hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""


def parsed(page: str) -> dict[str, str]:
    parser = _HiddenInputs()
    parser.feed(page)
    return parser.fields


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_hidden_fields_of_the_form_are_those_a_parser_finds(
    client: FlaskClient, programme: Programme, lang: str
) -> None:
    page = client.get(f"/s/niamey?lang={lang}").get_data(as_text=True)
    found = hidden_fields(page)
    assert {"csrf_token", "idem", "page", "carry"} <= set(found)
    assert found == parsed(page)


def test_hidden_fields_skip_other_tags_and_unescape_values() -> None:
    page = (
        '<p type="hidden">not an input</p>'
        '<input type="hidden" name="carry" value="a&amp;b&quot;c">'
        '<input name="idem" value="k1" type="hidden">'
        '<input type="radio" name="q" value="1">'
        '<input type="hidden" value="no name">'
    )
    assert hidden_fields(page) == {"carry": 'a&b"c', "idem": "k1"}
    assert hidden_fields(page) == parsed(page)
