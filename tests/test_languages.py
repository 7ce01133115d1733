"""Every language is defined once, in reports.languages, and everything it needs exists."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import click
import pytest
from babel import Locale

from reports import languages
from reports.labels import language_name
from survey import create_app
from survey.cli import report_command
from survey.config import TestConfig
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.services.demo import DEMO_LANGUAGE_WEIGHTS

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "reports" / "languages.py"


def test_the_registry_imports_only_the_standard_library() -> None:
    """So the settings, the models and the questionnaire validation read it without loading Plotly."""
    tree = ast.parse(REGISTRY.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {name.split(".")[0] for name in imported} <= sys.stdlib_module_names | {"__future__"}


@pytest.mark.parametrize(("catalogs", "domain"), [("survey", "messages"), ("reports", "reports")])
def test_every_language_has_its_catalogs_compiled(catalogs: str, domain: str) -> None:
    for code in languages.CODES:
        folder = ROOT / catalogs / "translations" / code / "LC_MESSAGES"
        assert (folder / f"{domain}.po").is_file(), code
        assert (folder / f"{domain}.mo").is_file(), code


def test_the_default_questionnaire_speaks_every_language() -> None:
    assert load_definition(DEFAULT_QUESTIONNAIRE)["languages"] == list(languages.CODES)


@pytest.mark.parametrize("language", languages.LANGUAGES, ids=languages.CODES)
def test_name_and_direction_agree_with_cldr(language: languages.Language) -> None:
    """A typo in a new entry shows here: the picker's name and the page's direction."""
    cldr = Locale.parse(language.code)
    assert language.endonym == language_name(language.code, language.code)
    assert language.direction == ("rtl" if cldr.character_order == "right-to-left" else "ltr")


def test_a_language_is_named_in_the_language_of_the_document() -> None:
    assert [language_name("ar", lang) for lang in ("fr", "en", "ar")] == ["Arabe", "Arabic", "العربية"]
    assert language_name("fr", "es") == "French"  # a language the service does not speak: English


def test_unknown_codes_are_refused_and_read_left_to_right() -> None:
    assert not languages.is_supported("es")
    assert not languages.is_supported(None)
    assert languages.direction("es") == "ltr"
    assert languages.direction("ar") == "rtl"


def test_the_report_command_offers_exactly_the_registry() -> None:
    (lang,) = [p for p in report_command.params if p.name == "lang"]
    assert isinstance(lang.type, click.Choice)
    assert tuple(lang.type.choices) == languages.CODES


def test_the_demo_draws_from_the_registry() -> None:
    assert set(DEMO_LANGUAGE_WEIGHTS) <= set(languages.CODES)


def test_an_unknown_default_language_stops_the_application(tmp_path: Path) -> None:
    class Config(TestConfig):
        INSTANCE_DIR = tmp_path
        DEFAULT_LANGUAGE = "es"

    with pytest.raises(ValueError, match="SURVEY_DEFAULT_LANGUAGE='es'"):
        create_app(Config)


def _code_files() -> list[Path]:
    folders = ("survey", "reports", "templates", "bench", "static/js")
    return [
        path
        for folder in folders
        for path in sorted(ROOT.joinpath(folder).rglob("*"))
        if path.suffix in {".py", ".html", ".js"} and path != REGISTRY
    ]


def test_no_language_list_outside_the_registry() -> None:
    """Two language codes in a row ("fr", "en" or fr|en), a language's own name
    or a direction written out mean a list kept beside reports.languages, which
    a new language would miss."""
    code = "|".join(languages.CODES)
    in_a_row = re.compile(rf"""(['"])(?:{code})\1\s*[,|]\s*(['"])(?:{code})\2|\b(?:{code})\|(?:{code})\b""")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _code_files()
        for match in in_a_row.finditer(path.read_text(encoding="utf-8"))
    ]
    named = [
        f"{path.relative_to(ROOT)}: {language.endonym}"
        for path in _code_files()
        for language in languages.LANGUAGES
        if re.search(rf"['\"]{re.escape(language.endonym)}['\"]", path.read_text(encoding="utf-8"))
    ]
    directions = [
        str(path.relative_to(ROOT))
        for path in _code_files()
        if path.suffix == ".py" and re.search(r"""['"]rtl['"]""", path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert named == []
    assert directions == []  # only the registry says which way a language is written
