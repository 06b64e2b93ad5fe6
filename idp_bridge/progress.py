"""Progress for long commands: shown on a terminal, silent in logs.

``for row in progress(rows, "Importing NPIs", total=n): ...`` redraws one line on stderr
("Importing NPIs: 12,000/48,000 (25%)", at most a few times a second) when stderr is a
terminal, and writes nothing at all otherwise (cron, containers, CI logs: a command's own
summary line is what they keep). The interface is that one function.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")
REDRAW_SECONDS = 0.25


def progress(items: Iterable[T], label: str, total: int | None = None,
             stream: IO[str] | None = None) -> Iterator[T]:
    """Yield ``items`` unchanged, drawing ``label: done/total (pct%)`` while they pass."""
    out = stream or sys.stderr
    if not out.isatty():
        yield from items
        return
    done, last = 0, 0.0
    try:
        for item in items:
            yield item
            done += 1
            now = time.monotonic()
            if now - last >= REDRAW_SECONDS:
                _draw(out, label, done, total)
                last = now
        _draw(out, label, done, total)
    finally:
        out.write("\n")
        out.flush()


def _draw(out: IO[str], label: str, done: int, total: int | None) -> None:
    if total:
        line = f"{label}: {done:,}/{total:,} ({min(100, done * 100 // total)}%)"
    else:
        line = f"{label}: {done:,}"
    out.write("\r\x1b[K" + line)  # back to the line's start, erase it, redraw
    out.flush()
