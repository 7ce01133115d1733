"""The README keeps up with the code: every SURVEY_* setting the code reads is documented."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def settings_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.joinpath("survey").rglob("*.py"), *ROOT.joinpath("reports").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"\b(SURVEY_[A-Z_]+[A-Z])\b", text))
        names.update(f"SURVEY_{name}" for name in re.findall(r"_env(?:_int|_bool)?\(\"([A-Z_]+)\"", text))
    return names


def test_every_setting_is_in_the_readme() -> None:
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    found = settings_read_by_the_code()
    assert {"SURVEY_DATABASE_URL", "SURVEY_SECRET_KEY", "SURVEY_MAX_TEXT_LENGTH"} <= found  # the scan works
    missing = sorted(name for name in found if f"`{name}`" not in readme)
    assert missing == []


def test_readme_starts_with_the_two_commands() -> None:
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    first_block = readme.split("```", 2)[1]
    assert "make run" in first_block
    assert "make test" in first_block


def test_nothing_names_a_cdn_or_web_font_host() -> None:
    """The service runs on a closed network: no page, script or report refers to such hosts."""
    outside = re.compile(r"https?://(cdn\.|unpkg\.com|cdnjs\.|fonts\.googleapis|ajax\.googleapis|cdn\.jsdelivr)")
    found = [
        str(path.relative_to(ROOT))
        for folder in ("templates", "static", "survey", "reports")
        for path in ROOT.joinpath(folder).rglob("*")
        if path.is_file()
        and path.suffix in {".html", ".js", ".css", ".py", ".md"}
        and outside.search(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert found == []
