"""The progress helper: a redrawn line on a terminal, nothing in a log."""

from __future__ import annotations

import io

import pytest

from idp_bridge.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_silent_when_not_a_terminal() -> None:
    log = io.StringIO()
    assert list(progress(range(5), "Reconciling", total=5, stream=log)) == [0, 1, 2, 3, 4]
    assert log.getvalue() == ""


def test_progress_shows_count_and_percentage_on_a_terminal() -> None:
    screen = Terminal()
    assert list(progress(range(3), "Importing NPIs", total=3, stream=screen)) == [0, 1, 2]
    shown = screen.getvalue()
    assert shown.endswith("Importing NPIs: 3/3 (100%)\n")
    assert shown.count("\n") == 1  # one line, redrawn in place


def test_progress_without_a_total_counts() -> None:
    screen = Terminal()
    list(progress(iter(range(1200)), "Lines", stream=screen))
    assert screen.getvalue().endswith("Lines: 1,200\n")


def test_progress_ends_its_line_when_the_work_fails() -> None:
    screen = Terminal()

    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise RuntimeError("file refused")

    with pytest.raises(RuntimeError):
        list(progress(failing(), "Importing", stream=screen))
    assert screen.getvalue().endswith("\n")


def test_progress_of_the_registry_import_on_a_terminal_and_not_in_a_log(app) -> None:
    from contextlib import redirect_stderr

    from idp_bridge.npi.bulk_import import import_files
    from idp_bridge.npi.offline import SAMPLE_NPIDATA

    screen, log = Terminal(), io.StringIO()
    with app.app_context():
        with redirect_stderr(screen):
            imported = import_files(SAMPLE_NPIDATA).records
        with redirect_stderr(log):
            import_files(SAMPLE_NPIDATA)
    assert screen.getvalue().endswith(f"Importing {SAMPLE_NPIDATA.name}: {imported:,}\n")
    assert log.getvalue() == ""


def test_progress_of_reconcile_over_organizations(app, fake_keycloak) -> None:
    from contextlib import redirect_stderr

    from idp_bridge.approvals.reconcile import reconcile

    screen = Terminal()
    with app.app_context(), redirect_stderr(screen):
        reconcile()
    assert screen.getvalue().endswith("Reconciling organizations: 0\n")  # none yet
