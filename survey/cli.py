"""The ``survey`` command: database, users, questionnaires, demo data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup

from survey.extensions import db
from survey.models import Role
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, DefinitionError, load_definition
from survey.services import DomainError
from survey.services.questionnaires import export_questionnaire, import_questionnaire, latest_version


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(user_group)
    app.cli.add_command(questionnaire_group)
    app.cli.add_command(demo_command)


def _create_app() -> Flask:
    from survey import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """Trainee feedback survey service."""


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from survey.migrate import upgrade

    upgrade(current_app.config["SQLALCHEMY_DATABASE_URI"], revision)
    click.echo(f"database at {revision}")


@click.group("user")
def user_group() -> None:
    """Accounts of organisers, evaluators and administrators."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.ORGANISER.value, show_default=True)
@click.option("--name", default="")
@click.password_option(help="At least 8 characters; asked for when not given.")
def user_create(email: str, role: str, name: str, password: str) -> None:
    """Create an account."""
    from survey.services.users import UserExists, create_user

    try:
        with db.transaction() as session:
            user = create_user(session, email, password, Role(role), name)
    except UserExists as exc:
        raise click.ClickException(f"a user with email {email} exists already") from exc
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {user.role} {user.email}")


@click.group("questionnaire")
def questionnaire_group() -> None:
    """Questionnaire definitions (YAML)."""


@questionnaire_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def questionnaire_import(path: Path) -> None:
    """Validate and store a definition; a changed definition becomes a new version."""
    try:
        definition = load_definition(path)
    except DefinitionError as exc:
        raise click.ClickException("\n".join([f"{exc.source}:", *(f"  - {p}" for p in exc.problems)])) from exc
    with db.transaction() as session:
        questionnaire, created = import_questionnaire(session, definition)
    state = "imported" if created else "unchanged"
    click.echo(f"{state}: {questionnaire.code} version {questionnaire.version}")


@questionnaire_group.command("export")
@click.argument("code")
@click.option("--version", "version", type=int, help="Default: the latest version.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def questionnaire_export(code: str, version: int | None, output: Path | None) -> None:
    """Write a stored definition as YAML (to stdout by default)."""
    from sqlalchemy import select

    from survey.models import Questionnaire

    session = db.session()
    if version is None:
        questionnaire = latest_version(session, code)
    else:
        questionnaire = session.scalars(
            select(Questionnaire).where(Questionnaire.code == code, Questionnaire.version == version)
        ).first()
    if questionnaire is None:
        raise click.ClickException(f"no questionnaire {code}" + (f" version {version}" if version else ""))
    text = export_questionnaire(questionnaire)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@click.command("demo")
@click.option("--responses", type=int, default=0, show_default=True, help="Random responses to add.")
@click.option("--seed", type=int, default=2026, show_default=True)
@click.option("--user", "user_email", default="organiser@example.org", show_default=True)
@click.option("--password", default="demo-password", show_default=True)
def demo_command(responses: int, seed: int, user_email: str, password: str) -> None:
    """Create the Niamey demo programme (once), a demo organiser, and random responses."""
    from survey.services.demo import add_random_responses, ensure_demo

    with db.transaction() as session:
        programme, created = ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), user_email, password)
    click.echo(("created" if created else "kept") + f" demo programme {programme.slug}")
    if responses:
        added = add_random_responses(db.session(), programme, responses, seed=seed)
        click.echo(f"added {added} responses")
