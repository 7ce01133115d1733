"""The docs keep up with the code: every SURVEY_* setting the code reads is
documented, and every file, module or link the docs name is in this tree."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The project's own documents (CHANGES.md is history: it may name what was renamed since).
DOCS = (
    "README.md",
    "CONTRIBUTING.md",
    "bench/README.md",
    "docs/questionnaire-format.md",
    "docs/statistics.md",
    "docs/rate-limits.md",
    "docs/api.md",
)
#: Files that configure the build and the tools, whose comments point to documents.
CONFIG_FILES = ("setup.cfg", "pyproject.toml", "ruff.toml", "Makefile")
#: A path of this repository (in backquotes in the docs): a folder, or a source or document file.
NAMED_PATH = re.compile(
    r"\b((?:survey|reports|templates|static|tests|bench|docs)/[\w./-]*?(?:/|\.(?:py|html|md|yaml|cfg|toml|js|css)))(?![\w.])"
)
#: A dotted module name of the project (not a file name such as instance/survey.db).
MODULE_NAME = re.compile(r"(?<![/\w.])((?:survey|reports)(?:\.[A-Za-z_]\w*)+)")


def settings_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for path in [*ROOT.joinpath("survey").rglob("*.py"), *ROOT.joinpath("reports").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"\b(SURVEY_[A-Z_]+[A-Z])\b", text))
        names.update(f"SURVEY_{name}" for name in re.findall(r"_env(?:_int|_bool|_float)?\(\"([A-Z_]+)\"", text))
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


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module of the project, or a name defined in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def test_links_files_and_modules_named_in_the_docs_are_in_the_tree() -> None:
    """A reader who follows a link, opens a named file or looks up a module finds it."""
    missing = []
    for name in DOCS:
        doc = ROOT / name
        text = doc.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)", text):
            if not re.match(r"[a-z]+:", target) and not (doc.parent / target).exists():
                missing.append(f"{name}: link {target}")
        quoted = " ".join(re.findall(r"`[^`]+`", text))
        missing += [f"{name}: file {path}" for path in NAMED_PATH.findall(quoted) if not (ROOT / path).exists()]
        missing += [f"{name}: module {dotted}" for dotted in set(MODULE_NAME.findall(text)) if not _resolves(dotted)]
    assert missing == []


def test_documents_named_by_the_configuration_are_in_the_tree() -> None:
    named = {
        (config, document)
        for config in CONFIG_FILES
        for document in re.findall(r"[\w./-]+\.md\b", ROOT.joinpath(config).read_text(encoding="utf-8"))
    }
    assert ("setup.cfg", "README.md") in named  # the scan works: long_description
    assert [f"{config}: {document}" for config, document in sorted(named) if not (ROOT / document).exists()] == []
