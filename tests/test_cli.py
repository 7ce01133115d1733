"""The `survey` command as an administrator uses it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from survey.extensions import db
from survey.models import Programme, Questionnaire, Response, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, load_definition, parse_definition
from survey.services.demo import DEMO_SLUG


def test_questionnaire_import_then_export_round_trips(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["questionnaire", "import", str(DEFAULT_QUESTIONNAIRE)])
    assert result.exit_code == 0, result.output
    assert "imported: end_of_programme version 1" in result.output
    again = runner.invoke(args=["questionnaire", "import", str(DEFAULT_QUESTIONNAIRE)])
    assert "unchanged: end_of_programme version 1" in again.output
    out = tmp_path / "out.yaml"
    exported = runner.invoke(args=["questionnaire", "export", "end_of_programme", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert parse_definition(out.read_text(encoding="utf-8")) == load_definition(DEFAULT_QUESTIONNAIRE)


def test_changed_definition_becomes_a_new_version(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["questionnaire", "import", str(DEFAULT_QUESTIONNAIRE)])
    changed = tmp_path / "changed.yaml"
    changed.write_text(
        DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8").replace(
            "Le contenu était pertinent", "Le contenu était utile"
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["questionnaire", "import", str(changed)])
    assert "imported: end_of_programme version 2" in result.output
    versions = db.session.scalars(select(Questionnaire.version).order_by(Questionnaire.version)).all()
    assert versions == [1, 2]
    first = db.session.scalars(select(Questionnaire).where(Questionnaire.version == 1)).one()
    assert "Le contenu était pertinent" in str(first.definition)  # the old version is untouched


def test_invalid_file_is_reported_with_its_problems(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        DEFAULT_QUESTIONNAIRE.read_text(encoding="utf-8").replace("kind: rating", "kind: stars"), encoding="utf-8"
    )
    result = app.test_cli_runner().invoke(args=["questionnaire", "import", str(broken)])
    assert result.exit_code != 0
    assert str(broken) in result.output
    assert "question recommend: field kind: unknown kind 'stars'" in result.output
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_user_create_hashes_the_password(app: Flask) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["user", "create", "eval@example.org", "--role", "evaluator", "--password", "s3cret-pass"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalars(select(User)).one()
    assert user.role == "evaluator"
    assert "s3cret-pass" not in user.password_hash
    assert user.check_password("s3cret-pass")
    duplicate = runner.invoke(args=["user", "create", "EVAL@example.org", "--password", "another-pass"])
    assert duplicate.exit_code != 0
    assert "exists already" in duplicate.output


def test_demo_is_created_once_and_responses_are_added(app: Flask) -> None:
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--responses", "12", "--seed", "7"])
    assert first.exit_code == 0, first.output
    assert "created demo programme" in first.output
    second = runner.invoke(args=["demo"])
    assert "kept demo programme" in second.output
    programme = db.session.scalars(select(Programme).where(Programme.slug == DEMO_SLUG)).one()
    assert programme.expected_participants == 29
    assert programme.location == "Niamey"
    assert programme.status == "open"
    assert len({s.day for s in programme.sessions}) == 5
    assert db.session.scalar(select(func.count()).select_from(Response)) == 12
    assert db.session.scalar(select(func.count()).select_from(Programme)) == 1
