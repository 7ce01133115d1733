"""``survey export-programme`` and ``survey import-programme``: a programme moved between services."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import IO, cast

import click

from survey.extensions import db
from survey.services import audit
from survey.services.bundle_import import import_programme
from survey.services.bundles import BundleRefused, export_programme


@click.command("export-programme")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The bundle to write; gzip-compressed when its name ends in .gz.",
)
def export_programme_command(slug: str, output: Path) -> None:
    """Write one programme, its sessions, questionnaire versions, responses,
    exclusions and codes to one file that `survey import-programme` loads
    into another service (README.md, "Moving a programme")."""
    from survey.cli import _programme

    programme = _programme(slug)
    partial = output.with_name(output.name + ".partial")
    with gzip.open(partial, "wb") if output.name.endswith(".gz") else partial.open("wb") as out:
        count = export_programme(db.session(), programme, cast(IO[bytes], out), audit.CLI)
    partial.replace(output)  # never a half-written bundle under the name asked for
    click.echo(f"Wrote {output}: programme {slug}, {count} responses.")


@click.command("import-programme")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_programme_command(bundle: Path) -> None:
    """Load a bundle written by `survey export-programme`; importing it again
    adds only what is new. A bundle that is damaged, of a newer schema or in
    conflict with this service is refused, and nothing is written."""
    try:
        summary = import_programme(db.session(), bundle, audit.CLI)
    except BundleRefused as exc:
        raise click.ClickException(f"{bundle} was not imported: {exc}") from None
    made = "created" if summary.created else "already here"
    click.echo(
        f"Programme {summary.slug} ({made}): {summary.stored} responses stored, {summary.already_stored} already here."
    )
