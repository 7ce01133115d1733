"""Which database the service talks to is the storage package's business alone:
no other module of the service names one, in code or comment (the settings
and the migrations aside), so that a newcomer finds every database-specific
line in survey/storage/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "survey"
ALLOWED = {ROOT / "config.py"}
DATABASE_NAMES = re.compile(r"sqlite|postgres|psycopg", re.IGNORECASE)


def _modules() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not path.is_relative_to(ROOT / "storage")
        and not path.is_relative_to(ROOT / "migrations")
        and path not in ALLOWED
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT.parent)))
def test_no_module_outside_storage_names_a_database(path: Path) -> None:
    named = [
        f"line {number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DATABASE_NAMES.search(line)
    ]
    assert named == []


def test_the_scan_sees_the_storage_package_name_them() -> None:
    storage = (ROOT / "storage" / "engines.py").read_text(encoding="utf-8")
    assert DATABASE_NAMES.search(storage)
