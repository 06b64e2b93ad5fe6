"""``flask exclusions import-leie|import-sam|import-deactivations|screen``.

Each import prints how many rows it loaded (and how long it took), then re-checks the
approved organizations against what it loaded. Refused lines are listed (the first 100,
each with its line number, values shown escaped) and make the exit status 1; the other lines
load all the same. A file of the wrong layout is refused whole: nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from idp_bridge.exclusions import screening
from idp_bridge.exclusions.files import (
    DeactivationReportReader,
    LeieReader,
    NotAnExclusionFile,
    SamReader,
)
from idp_bridge.exclusions.store import LoadResult, load_deactivations, load_exclusions
from idp_bridge.npi.bulk_file import Refusals

exclusions_cli = AppGroup(
    "exclusions", help="OIG LEIE, SAM.gov exclusions and NPPES deactivations (42 CFR 455.436).")
_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@exclusions_cli.command("import-leie")
@click.argument("file", type=_FILE)
def import_leie(file: Path) -> None:
    """Load the OIG LEIE monthly full file (UPDATED.csv), replacing the previous one."""
    _import_list("leie", LeieReader(file, Refusals()), "LEIE", file)


@exclusions_cli.command("import-sam")
@click.argument("file", type=_FILE)
def import_sam(file: Path) -> None:
    """Load the SAM.gov Exclusions Public Extract V2 (.ZIP holding one CSV)."""
    _import_list("sam", SamReader(file, Refusals()), "SAM", file)


def _import_list(source: str, reader: LeieReader | SamReader, label: str, file: Path) -> None:
    """One exclusion list replaced by the file's rows, and what happened said."""
    result = _load(lambda: load_exclusions(source, reader, label))
    click.echo(f"Loaded {result.rows:,} {label} rows from {file.name} in {result.seconds:.1f} s"
               f"{_invalid(result)}.")
    _finish(result)


@exclusions_cli.command("import-deactivations")
@click.argument("file", type=_FILE)
def import_deactivations(file: Path) -> None:
    """Load the NPPES Deactivated NPI Report (.zip holding one .xlsx), then flag approved
    organizations with a deactivated NPI."""
    result = _load(lambda: load_deactivations(DeactivationReportReader(file, Refusals()),
                                              "Deactivations"))
    click.echo(f"Loaded {result.rows:,} deactivated NPIs from {file.name} in "
               f"{result.seconds:.1f} s.")
    report_sweep(screening.sweep_deactivations(), "deactivated NPI")
    _finish(result)


@exclusions_cli.command("screen")
def screen_command() -> None:
    """Re-screen every approved organization against the LEIE and SAM lists (monthly)."""
    result = screening.screen()
    click.echo(f"Screened {result.organizations:,} approved organizations.")
    report_sweep(result, "exclusion match")
    if result.mailed:
        click.echo(f"Mailed {result.mailed} plan administrator(s).")
    if result.failed:
        raise click.exceptions.Exit(1)


def report_sweep(result: screening.SweepResult, what: str) -> None:
    click.echo(f"Flagged {result.raised + result.reopened:,} organization {what}(s); cleared "
               f"{result.cleared:,}; access suspended for {result.suspended:,}, restored for "
               f"{result.restored:,}.")
    if result.failed:
        click.echo(f"Not applied for {len(result.failed)} organization(s) (Keycloak or the "
                   "database refused; the next run retries): " + ", ".join(result.failed[:20]),
                   err=True)


def _load(run: Callable[[], LoadResult]) -> LoadResult:
    try:
        return run()
    except NotAnExclusionFile as exc:
        raise click.ClickException(f"{exc} Nothing was imported.") from exc


def _invalid(result: LoadResult) -> str:
    if not result.npi_invalid:
        return ""
    return (f" ({result.npi_invalid:,} with an NPI whose check digit is wrong: matched by "
            "name only)")


def _finish(result: LoadResult) -> None:
    refusals = result.refusals
    if not refusals.count:
        return
    click.echo(f"Refused {refusals.count:,} line{'s' if refusals.count != 1 else ''} (not "
               "loaded; the other lines were):", err=True)
    for refusal in refusals.first:
        click.echo(f"  {refusal}", err=True)
    if refusals.count > len(refusals.first):
        click.echo(f"  … and {refusals.count - len(refusals.first):,} more.", err=True)
    raise click.exceptions.Exit(1)


def after_npi_import() -> None:
    """Run by ``flask npi import`` once its file is committed."""
    report_sweep(screening.sweep_deactivations(), "deactivated NPI")


def register_cli(app: Flask) -> None:
    app.cli.add_command(exclusions_cli)
    app.extensions.setdefault("npi.after_import", []).append(after_npi_import)
