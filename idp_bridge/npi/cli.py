"""``flask npi import`` / ``flask npi load-sample``: fill the offline registry.

The same ``import`` takes the monthly full file and each weekly update file (with their
othername files): an NPI in the file replaces the record the registry had.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from idp_bridge.npi.bulk_file import NotAnNppesFile
from idp_bridge.npi.bulk_import import ImportResult, import_files
from idp_bridge.npi.offline import SAMPLE_NPIDATA, SAMPLE_OTHERNAME

npi_cli = AppGroup("npi", help="The offline National Provider registry.")

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@npi_cli.command("import")
@click.argument("npidata", type=_FILE)
@click.argument("othername", required=False, type=_FILE)
def import_command(npidata: Path, othername: Path | None) -> None:
    """Import an NPPES npidata_pfile, monthly or weekly (and its othername_pfile).

    Exits with status 1 if lines were refused; every other line is imported all the same.
    """
    _run(npidata, othername)


@npi_cli.command("load-sample")
def load_sample() -> None:
    """Import the sample shipped in idp_bridge/npi/data/."""
    _run(SAMPLE_NPIDATA, SAMPLE_OTHERNAME)


def _run(npidata: Path, othername: Path | None) -> None:
    try:
        result = import_files(npidata, othername)
    except NotAnNppesFile as exc:
        raise click.ClickException(f"{exc} Nothing was imported.") from exc
    click.echo(f"Imported {result.records:,} NPI records and {result.other_names:,} other "
               f"names from {npidata.name} in {result.seconds:.1f} s.")
    # Areas that follow the registry (idp_bridge.exclusions: deactivations after approval).
    for hook in current_app.extensions.get("npi.after_import", []):
        hook()
    if result.refusals.count:
        _report_refusals(result)
        raise click.exceptions.Exit(1)


def _report_refusals(result: ImportResult) -> None:
    count = result.refusals.count
    click.echo(f"Refused {count:,} line{'s' if count != 1 else ''} (not imported; the "
               "other lines were):", err=True)
    for refusal in result.refused:
        click.echo(f"  {refusal}", err=True)
    if count > len(result.refused):
        click.echo(f"  … and {count - len(result.refused):,} more.", err=True)


def register_cli(app: Flask) -> None:
    app.cli.add_command(npi_cli)
