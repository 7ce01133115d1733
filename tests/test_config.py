"""Settings come from SURVEY_* variables; the secret key is made once and kept."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from survey.config import instance_secret_key


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = instance_secret_key(tmp_path)
    assert len(first) >= 40
    assert instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def _config_in_subprocess(env: dict[str, str], expression: str) -> str:
    code = f"from survey import create_app; app = create_app(); print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_settings_are_read_from_the_environment(tmp_path: Path) -> None:
    env = {
        "SURVEY_INSTANCE_PATH": str(tmp_path),
        "SURVEY_DATABASE_URL": f"sqlite:///{tmp_path / 'other.db'}",
        "SURVEY_MAX_TEXT_LENGTH": "500",
        "SURVEY_SECURE_COOKIES": "0",
    }
    out = _config_in_subprocess(
        env, "app.config['SQLALCHEMY_DATABASE_URI'], app.config['MAX_TEXT_LENGTH'], app.config['SESSION_COOKIE_SECURE']"
    )
    assert out == f"sqlite:///{tmp_path / 'other.db'} 500 False"


def test_defaults_are_safe(tmp_path: Path) -> None:
    out = _config_in_subprocess(
        {"SURVEY_INSTANCE_PATH": str(tmp_path)},
        "app.config['SQLALCHEMY_DATABASE_URI'], app.config['SESSION_COOKIE_SECURE'], app.config['SECRET_KEY'] == open("
        + repr(str(tmp_path / "secret_key"))
        + ").read()",
    )
    assert out == f"sqlite:///{tmp_path / 'survey.db'} True True"


def test_no_secret_literal_in_the_production_config() -> None:
    config = importlib.import_module("survey.config")
    assert config.Config.SECRET_KEY in (None, os.environ.get("SURVEY_SECRET_KEY") or None)


@pytest.mark.parametrize("value", ["1", "true", "yes", "on"])
def test_boolean_settings_accept_the_usual_words(tmp_path: Path, value: str) -> None:
    out = _config_in_subprocess(
        {"SURVEY_INSTANCE_PATH": str(tmp_path), "SURVEY_SECURE_COOKIES": value}, "app.config['SESSION_COOKIE_SECURE']"
    )
    assert out == "True"


def test_fresh_instance_folder_is_created_for_the_default_database(tmp_path: Path) -> None:
    instance = tmp_path / "new" / "instance"
    out = _config_in_subprocess(
        {"SURVEY_INSTANCE_PATH": str(instance), "SURVEY_SECRET_KEY": "given-key"}, "app.config['SECRET_KEY']"
    )
    assert out == "given-key"
    assert instance.is_dir()
    assert not (instance / "secret_key").exists()  # a given key is not replaced by a generated one


def test_the_instance_folder_is_the_owners_only(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    instance.chmod(0o755)
    _config_in_subprocess({"SURVEY_INSTANCE_PATH": str(instance)}, "1")
    assert instance.stat().st_mode & 0o777 == 0o700


def test_the_public_base_address_is_read_without_its_trailing_slash(tmp_path: Path) -> None:
    out = _config_in_subprocess(
        {"SURVEY_INSTANCE_PATH": str(tmp_path), "SURVEY_BASE_URL": "https://survey.example.org/feedback/"},
        "app.config['BASE_URL']",
    )
    assert out == "https://survey.example.org/feedback"


@pytest.mark.parametrize("value", ["survey.example.org", "ftp://survey.example.org", "https://", "http://x.org/?a=1"])
def test_a_base_address_that_would_print_broken_links_stops_the_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(subprocess.CalledProcessError) as failed:
        _config_in_subprocess({"SURVEY_INSTANCE_PATH": str(tmp_path), "SURVEY_BASE_URL": value}, "1")
    assert "SURVEY_BASE_URL must look like https://survey.example.org" in failed.value.stderr
