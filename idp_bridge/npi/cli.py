"""``flask npi import`` / ``flask npi load-sample``: fill the offline registry."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from idp_bridge.npi.offline import import_records, import_sample, read_records

npi_cli = AppGroup("npi", help="The offline National Provider registry.")


@npi_cli.command("import")
@click.argument("npidata", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("othername", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(npidata: Path, othername: Path | None) -> None:
    """Import an NPPES npidata_pfile (and its othername_pfile)."""
    click.echo(f"imported {import_records(read_records(npidata, othername))} NPI records")


@npi_cli.command("load-sample")
def load_sample() -> None:
    """Import the sample shipped in idp_bridge/npi/data/."""
    click.echo(f"imported {import_sample()} NPI records from the shipped sample")


def register_cli(app: Flask) -> None:
    app.cli.add_command(npi_cli)
