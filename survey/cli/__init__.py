"""The ``survey`` command: database, users, questionnaires, demo data."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, routes_command, shell_command

from reports import languages
from reports.documents import COMPARISON_FORMATS, FORMATS, Format
from survey.cli.bundles import export_programme_command, import_programme_command
from survey.cli.push import push_programme_command
from survey.extensions import db
from survey.models import Programme, Role, User
from survey.questionnaire import DEFAULT_QUESTIONNAIRE, DefinitionError, load_definition
from survey.services import DomainError, NotFound
from survey.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from survey.services.questionnaires import export_questionnaire, import_questionnaire, latest_version


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(user_group)
    app.cli.add_command(questionnaire_group)
    app.cli.add_command(demo_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(report_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(export_programme_command)
    app.cli.add_command(import_programme_command)
    app.cli.add_command(push_programme_command)


def _create_app() -> Flask:
    from survey import create_app

    return create_app()


# Not Flask's default commands: its `run` is a development server, never to serve a room.
@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False)
def main() -> None:
    """Trainee feedback survey service."""


main.add_command(shell_command)
main.add_command(routes_command)


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


@click.command("serve")
@click.option("--host", help="IP address to listen on  [default: 127.0.0.1; with --lan 0.0.0.0, every interface]")
@click.option("--port", type=click.IntRange(0, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True)
@click.option("--lan", is_flag=True, help="Classroom mode: serve the room's network (see README.md).")
@click.option("--address", help="With --lan: the address phones use, when the one detected is not right.")
def serve_command(host: str | None, port: int, threads: int, lan: bool, address: str | None) -> None:
    """Serve the application with waitress until Ctrl-C."""
    from survey.serve import Refused, ServerSettings, serve

    if address and not lan:
        raise click.UsageError("--address goes with --lan")
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not its proxy
    try:
        settings = ServerSettings(threads=threads)
        serve(
            app, host=host, port=port, lan=lan, address=address, settings=settings, echo=click.echo, report_worker=True
        )
    except Refused as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("worker")
@click.option("--workers", type=click.IntRange(1, 64), help="Documents made at once  [default: SURVEY_REPORT_WORKERS]")
@click.option(
    "--nice", type=click.IntRange(0, 19), help="Steps below normal CPU priority  [default: SURVEY_REPORT_NICE]"
)
@click.option("--parent", type=int, hidden=True, help="Stop when this process (the server that started it) is gone.")
def worker_command(workers: int | None, nice: int | None, parent: int | None) -> None:
    """Make the report documents asked for on the web, until Ctrl-C or SIGTERM.

    `survey serve` starts one by itself; behind gunicorn, run it beside the web
    processes (README.md, "Report workers").
    """
    import logging

    from survey.services.report_queue import ReportQueue

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    queue: ReportQueue = current_app.extensions["survey.report_queue"]
    config = current_app.config
    try:
        queue.consume(
            workers or int(config["REPORT_WORKERS"]), int(config["REPORT_NICE"]) if nice is None else nice, parent
        )
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command("backup")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write instead.")
def backup_command(output: Path | None) -> None:
    """Copy the embedded database file into instance/backups, even while it serves."""
    from survey.storage import backups

    config = current_app.config
    try:
        database = backups.database_file(config["SQLALCHEMY_DATABASE_URI"])
        if output is not None:
            click.echo(f"wrote {backups.back_up_to(database, output)}")
            return
        copy = backups.back_up(database, backups.folder_in(Path(config["INSTANCE_DIR"])), config["BACKUP_KEEP"])
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"wrote {copy.path}" if copy.new else f"nothing changed since {copy.path}")


@click.command("restore")
@click.argument("copy", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Even while a server has the database open (restart it at once).")
def restore_command(copy: Path | None, force: bool) -> None:
    """Put the copy COPY in place of the embedded database file; without COPY, list the copies.

    What the database held is copied aside first. A database in use is refused
    unless --force is given.
    """
    from survey.storage import backups

    config = current_app.config
    try:
        database = backups.database_file(config["SQLALCHEMY_DATABASE_URI"])
        folder = backups.folder_in(Path(config["INSTANCE_DIR"]))
        if copy is None:
            found = backups.copies_of(database, folder)
            click.echo("\n".join(str(path) for path in found) or f"no copies in {folder}")
            raise click.UsageError("name the copy to restore")
        saved = backups.restore(copy, database, folder, config["BACKUP_KEEP"], force=force)
    except backups.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if saved is not None:
        click.echo(f"copied what the database held to {saved.path}")
    click.echo(f"restored {copy} into {database}; run `survey db upgrade` if the copy is older than this version")


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


def _account(email: str) -> User:
    from survey.services.users import require_user

    try:
        return require_user(db.session(), email)
    except NotFound as exc:
        raise click.ClickException(f"no user with email {email}") from exc


def _programme(slug: str) -> Programme:
    from survey.services.programmes import find_programme

    try:
        return find_programme(db.session(), slug)
    except NotFound as exc:
        raise click.ClickException(f"no programme {slug}") from exc


@user_group.command("list")
def user_list() -> None:
    """List accounts: email, role, status, number of programmes granted."""
    from survey.services.users import list_users

    for row in list_users(db.session()):
        status = "active" if row.user.active else "disabled"
        programmes = "all programmes" if row.user.role == Role.ADMIN.value else f"{row.grants} programme(s)"
        click.echo(f"{row.user.email}\t{row.user.role}\t{status}\t{programmes}")


@user_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def user_set_role(email: str, role: str) -> None:
    """Change an account's role (the last active admin stays admin)."""
    from survey.services.users import LastAdmin, set_role

    user = _account(email)
    try:
        set_role(db.session(), user, Role(role))
    except LastAdmin as exc:
        raise click.ClickException(f"refused: {user.email} is the last active admin") from exc
    click.echo(f"{user.email} is now {role}")


@user_group.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Stop an account from signing in (signed out at its next request)."""
    from survey.services.users import LastAdmin, set_active

    user = _account(email)
    try:
        set_active(db.session(), user, False)
    except LastAdmin as exc:
        raise click.ClickException(f"refused: {user.email} is the last active admin") from exc
    click.echo(f"disabled {user.email}")


@user_group.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Let an account sign in again (also lifts a lock after failed sign-ins)."""
    from survey.services.users import set_active

    user = _account(email)
    set_active(db.session(), user, True)
    click.echo(f"enabled {user.email}")


@user_group.command("set-password")
@click.argument("email")
@click.password_option(help="At least 8 characters; asked for when not given.")
def user_set_password(email: str, password: str) -> None:
    """Give an account a new password (also lifts a lock)."""
    from survey.services.users import set_password

    user = _account(email)
    try:
        set_password(db.session(), user, password)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password changed for {user.email}")


@user_group.command("grant")
@click.argument("email")
@click.argument("slug")
def user_grant(email: str, slug: str) -> None:
    """Let an organiser manage, or an evaluator read, the programme SLUG."""
    from survey.services.users import grant_programme

    user, programme = _account(email), _programme(slug)
    grant_programme(db.session(), user, programme)
    click.echo(f"{user.email} may now see {programme.slug}")


@user_group.command("revoke")
@click.argument("email")
@click.argument("slug")
def user_revoke(email: str, slug: str) -> None:
    """Take back a grant of the programme SLUG."""
    from survey.services.users import revoke_programme

    user, programme = _account(email), _programme(slug)
    revoke_programme(db.session(), user, programme)
    click.echo(f"{user.email} no longer sees {programme.slug}")


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
@click.option("--user", "user_email", default=DEMO_EMAIL, show_default=True)
@click.option("--password", default=DEMO_PASSWORD, show_default=True)
def demo_command(responses: int, seed: int, user_email: str, password: str) -> None:
    """Create the Niamey demo programme (once), a demo organiser, and random responses."""
    from survey.services.demo import add_random_responses, ensure_demo

    with db.transaction() as session:
        programme, created = ensure_demo(session, load_definition(DEFAULT_QUESTIONNAIRE), user_email, password)
    click.echo(("created" if created else "kept") + f" demo programme {programme.slug}")
    if responses:
        added = add_random_responses(db.session(), programme, responses, seed=seed)
        click.echo(f"added {added} responses")


#: Where ``survey report`` writes when no -o is given.
REPORTS_DIR_ENV = "SURVEY_REPORTS_DIR"


@click.command("report")
@click.argument("slugs", nargs=-1, required=True, metavar="SLUG...")
@click.option(
    "--compare", is_flag=True, help=f"Compare several programmes side by side ({', '.join(COMPARISON_FORMATS)})."
)
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="html", show_default=True)
@click.option("--lang", type=click.Choice(languages.CODES), help="Report language [default: the programme's first].")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; its suffix must be the format's (.zip for csv), and is added if missing.",
)
@click.option(
    "--confirm-small-group",
    is_flag=True,
    help="Write the raw data of a programme under its minimum group size (the download is recorded).",
)
def report_command(
    slugs: tuple[str, ...], compare: bool, fmt: str, lang: str | None, output: Path | None, confirm_small_group: bool
) -> None:
    """Write the report of programme SLUG, or with --compare the comparison of several.

    Without -o the file goes to the folder named by SURVEY_REPORTS_DIR (default
    ./reports-out). Excluded responses never count. The raw data of a programme
    with fewer responses than its minimum group size needs --confirm-small-group.
    """
    import getpass
    import os
    import shutil
    import tempfile
    from datetime import UTC, datetime

    from survey.services import audit, disclosure, report_documents

    if len(slugs) > 1 and not compare:
        raise click.UsageError("give one SLUG, or --compare with several")
    programmes = [_programme(slug) for slug in slugs]
    language = lang or programmes[0].default_language
    if compare:
        try:
            report_documents.check_comparable(fmt)
        except report_documents.NotComparable as exc:
            raise click.ClickException(f"cannot write the {fmt} report: {exc}") from exc
    if output is None:
        folder = Path(os.environ.get(REPORTS_DIR_ENV) or "reports-out")
        output = folder / report_documents.report_filename(slugs, fmt, language, datetime.now(UTC).date())
    else:
        output = _with_suffix_of(output, FORMATS[fmt])
    plotly_js = report_documents.plotly_bundle(current_app.static_folder)
    # Written aside first: a report that fails leaves no file and no folder behind.
    with tempfile.TemporaryFile() as spool:
        try:
            if compare:
                report_documents.write_comparison(db.session(), programmes, fmt, language, spool, plotly_js=plotly_js)
            else:
                confirmation = disclosure.Confirmation(user_id=None, channel="cli") if confirm_small_group else None
                report_documents.write_report(
                    db.session(), programmes[0], fmt, language, spool, plotly_js=plotly_js, confirmation=confirmation
                )
        except report_documents.ReportError as exc:
            hint = (
                "; choose --format html and print it from a browser"
                if isinstance(exc, report_documents.PdfNotAvailable)
                else "; add --confirm-small-group to write it anyway (recorded)"
                if isinstance(exc, report_documents.SmallGroupNotConfirmed)
                else ""
            )
            raise click.ClickException(f"cannot write the {fmt} report: {exc}{hint}") from exc
        spool.seek(0)
        output.parent.mkdir(parents=True, exist_ok=True)
        with output.open("wb") as target:
            shutil.copyfileobj(spool, target)
    audit.record(
        db.session(),
        f"{audit.CLI}:{getpass.getuser()}",
        "compare" if compare else "report",
        programmes,
        f"{fmt} {language}",
    )
    click.echo(f"wrote {output} ({output.stat().st_size:,} bytes)")


@click.command("retention")
def retention_command() -> None:
    """Erase the responses and codes of every programme whose retention period has passed.

    `survey serve` does it too, at startup and every SURVEY_RETENTION_HOURS.
    Each erasure is in the audit log.
    """
    from survey.services import erasure

    erased = erasure.erase_expired(db.session())
    for slug in erased:
        click.echo(f"erased the responses and codes of {slug}")
    if not erased:
        click.echo("no programme's retention period has passed")


def _with_suffix_of(output: Path, spec: Format) -> Path:
    """``output`` with the suffix of format ``spec`` added if it has none.

    A different suffix is refused rather than corrected: ``--format csv -o x.csv``
    would otherwise write a ZIP archive that a spreadsheet cannot open under a
    name that promises one.
    """
    suffix = f".{spec.extension}"
    if not output.suffix:
        return output.with_name(output.name + suffix)
    if output.suffix.lower() != suffix.lower():
        raise click.BadParameter(
            f"--format {spec.name} writes a {suffix} file, not {output.suffix}: use -o {output.with_suffix(suffix)}",
            param_hint="'-o' / '--output'",
        )
    return output
