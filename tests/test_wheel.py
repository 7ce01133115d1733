"""A non-editable install carries everything the app needs: templates, static
files, translations, migrations and the default questionnaire."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SMOKE = """
import sys, tempfile
import survey
assert survey.__file__.startswith(sys.argv[1]), survey.__file__
from survey import create_app
from survey.extensions import db
from survey.migrate import upgrade
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition
from survey.services.demo import ensure_demo
url = "sqlite:///" + tempfile.mkdtemp() + "/wheel.db"
upgrade(url)
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "wheel-test"})
with app.app_context():
    with db.transaction() as session:
        ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), "o@example.org", "password-1")
client = app.test_client()
page = client.get("/s/niamey-2026?lang=ar")
html = page.get_data(as_text=True)
assert page.status_code == 200, page.status_code
assert 'dir="rtl"' in html and "كان المحتوى وثيق الصلة بعملي." in html
assert "الصفحة" in html or "صفحة" in html  # a translated interface string, from the packaged catalog
css = client.get("/static/css/survey.css")
assert css.status_code == 200 and b"margin-inline" in css.data
print("wheel app ok")
"""


def _copy_of_the_tree(target: Path) -> Path:
    """The project's files (as git sees them) in a fresh folder, so that a stale
    build/ directory in the working tree cannot leak into the wheel."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.slow
def test_wheel_install_serves_the_form(tmp_path: Path) -> None:
    wheel_dir = tmp_path / "wheel"
    tree = _copy_of_the_tree(tmp_path / "tree")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheel_dir),
            str(tree),
        ],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = wheel_dir.glob("survey-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "survey/templates/trainee/form.html",
        "survey/templates/base.html",
        "survey/static/css/survey.css",
        "survey/static/js/form.js",
        "survey/static/vendor/plotly/plotly-cartesian.min.js",
        "survey/translations/ar/LC_MESSAGES/messages.mo",
        "survey/translations/fr/LC_MESSAGES/messages.mo",
        "survey/questionnaire/end_of_programme.yaml",
        "survey/migrations/env.py",
        "survey/migrations/script.py.mako",
        "reports/charts.py",
        "reports/languages.py",
        "reports/translations/ar/LC_MESSAGES/reports.mo",
        "reports/translations/fr/LC_MESSAGES/reports.mo",
        "survey/web/organiser/__init__.py",
    ):
        assert expected in names, expected
    packages = {str(p.relative_to(tree)) for top in ("survey", "reports") for p in (tree / top).rglob("__init__.py")}
    assert packages <= names, sorted(packages - names)  # a package missing from setup.cfg's list
    assert any(n.startswith("survey/migrations/versions/") and n.endswith("_initial_schema.py") for n in names)
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(site), "SURVEY_INSTANCE_PATH": str(tmp_path / "instance")}
    result = subprocess.run(
        [sys.executable, "-c", SMOKE, str(site)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "wheel app ok" in result.stdout
