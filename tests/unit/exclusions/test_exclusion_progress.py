"""The import's progress line: rows, rate and time left on a terminal; nothing in a log."""

from __future__ import annotations

import io

from idp_bridge.exclusions import progress
from idp_bridge.exclusions.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_exclusion_import_progress_on_a_terminal_shows_rows_rate_and_time_left() -> None:
    terminal = Terminal()
    now = {"seconds": 0.0, "bytes": 0}
    shown = Progress("LEIE", lambda: 1_000_000, lambda: int(now["bytes"]), terminal,
                     clock=lambda: now["seconds"])

    def rows():  # noqa: ANN202
        for k in range(1, progress.EVERY_ROWS * 2 + 1):
            now["seconds"], now["bytes"] = k / 1000, k * 100  # 1,000 rows/s, 100 bytes each
            yield k

    assert sum(1 for _ in shown.track(rows())) == progress.EVERY_ROWS * 2
    written = terminal.getvalue()
    assert "LEIE: 4,096 rows" in written and "rows/s" in written and "left" in written
    assert written.endswith("\r\x1b[K")  # the line is wiped before the summary prints
    # 8,192 rows in 8.2 s, 819,200 of 1,000,000 bytes read: 1.8 s to go.
    assert shown.line() == "LEIE: 8,192 rows · 1,000 rows/s · 00:01 left"


def test_exclusion_import_progress_is_silent_when_not_a_terminal() -> None:
    log = io.StringIO()
    quiet = Progress("SAM", lambda: 100, lambda: 50, log)
    assert list(quiet.track(range(progress.EVERY_ROWS * 3))) == list(
        range(progress.EVERY_ROWS * 3))
    assert log.getvalue() == ""
