"""`survey report` as an evaluator or administrator uses it on the server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from flask import Flask
from sqlalchemy import select

from reports.documents import FORMATS
from reports.documents.chromium import find_chromium
from survey.cli import report_command
from survey.extensions import db
from survey.models import Programme, Response
from survey.services.demo import DEMO_SLUG, add_random_responses
from survey.services.programmes import create_programme


@pytest.fixture
def demo(app: Flask) -> Programme:
    """The demo programme, closed with 12 responses (closed: its reports take in every
    response; while open, only whole batches of k)."""
    result = app.test_cli_runner().invoke(args=["demo", "--responses", "12", "--seed", "3"])
    assert result.exit_code == 0, result.output
    programme = db.session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).one()
    programme.status = "closed"
    db.session.commit()
    return programme


def report(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["report", *args])
    return result.exit_code, result.output


def test_json_report_to_a_file(app: Flask, demo: Programme, tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    code, output = report(app, DEMO_SLUG, "--format", "json", "--lang", "en", "-o", str(target))

    assert code == 0, output
    assert f"wrote {target}" in output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["language"] == "en"
    assert document["responses"]["n"] == 12
    assert document["responses"]["expected"] == 29
    assert [d["code"] for d in document["dimensions"]] == ["content_quality", "professional_impact", "organisation"]


def test_default_folder_and_name(app: Flask, demo: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_REPORTS_DIR", str(tmp_path / "reports"))
    code, output = report(app, DEMO_SLUG)  # html, in the programme's first language

    assert code == 0, output
    (written,) = (tmp_path / "reports").iterdir()
    assert written.name.startswith(f"{DEMO_SLUG}_report_fr_")
    assert written.suffix == ".html"
    html = written.read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr">' in html
    assert "Rapport d&#39;évaluation" in html


def test_excluded_responses_do_not_count(app: Flask, demo: Programme, tmp_path: Path) -> None:
    first = db.session.scalars(select(Response).where(Response.programme_id == demo.id)).first()
    assert first is not None
    first.excluded = True
    db.session.commit()
    target = tmp_path / "s.json"
    code, output = report(app, DEMO_SLUG, "--format", "json", "-o", str(target))

    assert code == 0, output
    assert json.loads(target.read_text(encoding="utf-8"))["responses"]["n"] == 11


def test_raw_data_formats_are_written_too(app: Flask, demo: Programme, tmp_path: Path) -> None:
    for fmt, suffix in (("xlsx", "xlsx"), ("csv", "zip"), ("spss", "sps"), ("r", "R")):
        target = tmp_path / f"data.{suffix}"
        code, output = report(app, DEMO_SLUG, "--format", fmt, "-o", str(target))
        assert code == 0, output
        assert target.stat().st_size > 0


def test_comparison_of_two_programmes(app: Flask, demo: Programme, tmp_path: Path) -> None:
    dakar = create_programme(
        db.session(),
        slug="dakar-2026",
        title="Dakar 2026",
        questionnaire=demo.questionnaire,
        location="Dakar",
        country="SN",
        timezone="Africa/Dakar",
        expected_participants=20,
        languages=("fr", "en"),
        sessions=(),
    )
    dakar.status = "open"
    db.session.commit()
    add_random_responses(db.session(), dakar, 7, seed=5)
    dakar.status = "closed"
    db.session.commit()
    target = tmp_path / "compare.json"
    code, output = report(app, "--compare", DEMO_SLUG, "dakar-2026", "--format", "json", "-o", str(target))

    assert code == 0, output
    document = json.loads(target.read_text(encoding="utf-8"))
    assert [(p["slug"], p["responses"]) for p in document["programmes"]] == [(DEMO_SLUG, 12), ("dakar-2026", 7)]
    code, output = report(app, "--compare", DEMO_SLUG, "dakar-2026", "--format", "xlsx", "-o", str(target))
    assert code != 0
    assert "comparison is written as html, pdf, json" in output


def test_mistakes_are_reported(app: Flask, demo: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SURVEY_REPORTS_DIR", str(tmp_path / "reports"))
    code, output = report(app, DEMO_SLUG, DEMO_SLUG)
    assert code == 2
    assert "give one SLUG, or --compare with several" in output
    code, output = report(app, "--compare", DEMO_SLUG, DEMO_SLUG)
    assert code == 1
    assert "two or more different programmes" in output
    code, output = report(app, "nowhere")
    assert code == 1
    assert "no programme nowhere" in output
    code, output = report(app, DEMO_SLUG, "--format", "docx")
    assert code == 2
    assert not (tmp_path / "reports").exists()  # nothing left behind


def test_pdf_without_chromium_says_so_and_leaves_no_file(
    app: Flask, demo: Programme, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SURVEY_CHROMIUM", "/nonexistent/chromium")
    target = tmp_path / "r.pdf"
    code, output = report(app, DEMO_SLUG, "--format", "pdf", "-o", str(target))

    assert code == 1
    assert "Chromium" in output
    assert "--format html" in output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(find_chromium() is None and not os.environ.get("CI"), reason="no Chromium")
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_pdf_of_the_demo(app: Flask, demo: Programme, tmp_path: Path, lang: str) -> None:
    target = tmp_path / f"demo-{lang}.pdf"
    code, output = report(app, DEMO_SLUG, "--format", "pdf", "--lang", lang, "-o", str(target))

    assert code == 0, output
    assert target.read_bytes().startswith(b"%PDF")


def test_the_command_offers_every_format_of_the_download_page() -> None:
    (fmt,) = [p for p in report_command.params if p.name == "fmt"]
    assert isinstance(fmt.type, click.Choice)
    assert list(fmt.type.choices) == list(FORMATS)


def test_an_output_named_for_another_format_is_refused(app: Flask, demo: Programme, tmp_path: Path) -> None:
    """The CSV export is a ZIP archive: x.csv would promise a file a spreadsheet opens."""
    code, output = report(app, DEMO_SLUG, "--format", "csv", "-o", str(tmp_path / "x.csv"))

    assert code == 2
    assert "--format csv writes a .zip file, not .csv" in output
    assert str(tmp_path / "x.zip") in output
    assert list(tmp_path.iterdir()) == []


def test_an_output_without_a_suffix_gets_the_formats(app: Flask, demo: Programme, tmp_path: Path) -> None:
    code, output = report(app, DEMO_SLUG, "--format", "r", "-o", str(tmp_path / "labels"))

    assert code == 0, output
    assert f"wrote {tmp_path / 'labels.R'}" in output
    assert (tmp_path / "labels.R").read_text(encoding="utf-8")


def test_raw_data_of_a_small_programme_needs_the_flag_and_is_logged(
    app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    result = app.test_cli_runner().invoke(args=["demo", "--responses", "3", "--seed", "3"])
    assert result.exit_code == 0, result.output
    caplog.set_level("INFO", logger="survey.audit")
    target = tmp_path / "data.zip"

    code, output = report(app, DEMO_SLUG, "--format", "csv", "-o", str(target))
    assert code != 0
    assert "minimum group size (5)" in output
    assert "--confirm-small-group" in output
    assert not target.exists()
    assert not [r for r in caplog.records if "small_group_download" in r.getMessage()]

    code, output = report(app, DEMO_SLUG, "--format", "csv", "-o", str(target), "--confirm-small-group")
    assert code == 0, output
    assert target.exists()
    (record,) = [r for r in caplog.records if "small_group_download" in r.getMessage()]
    assert record.getMessage().startswith("cli:")
    assert f"programme={DEMO_SLUG} csv" in record.getMessage()

    summary = tmp_path / "s.json"
    code, output = report(app, DEMO_SLUG, "--format", "json", "-o", str(summary))  # a summary needs no flag
    assert code == 0, output
    assert json.loads(summary.read_text(encoding="utf-8"))["questions"] == []
