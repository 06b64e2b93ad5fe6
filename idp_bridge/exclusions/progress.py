"""A progress line for an operator at a terminal: rows, rate, time left. Silent otherwise.

Written to stderr only when stderr is a terminal, so cron output and logs get the one
summary line the command prints at the end, not thousands of carriage returns.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")
EVERY_ROWS = 4096
EVERY_SECONDS = 0.5


class Progress:
    def __init__(self, label: str, total: Callable[[], int], position: Callable[[], int],
                 stream: IO[str] | None = None, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self.label = label
        self.total = total  # bytes to read (known once the reader opened the file)
        self.position = position  # bytes read so far
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.enabled = _is_terminal(self.stream)
        self.started = clock()
        self.shown_at = 0.0
        self.rows = 0

    def track(self, rows: Iterable[T]) -> Iterator[T]:
        for row in rows:
            self.rows += 1
            if self.enabled and self.rows % EVERY_ROWS == 0:
                self._maybe_show()
            yield row
        self.finish()

    def line(self) -> str:
        elapsed = max(self.clock() - self.started, 1e-6)
        rate = self.rows / elapsed
        done, total = self.position(), self.total()
        left = "--:--"
        if total and done:
            seconds = elapsed * (total - done) / done
            left = f"{int(seconds // 60):02d}:{int(seconds % 60):02d}"
        return f"{self.label}: {self.rows:,} rows · {rate:,.0f} rows/s · {left} left"

    def _maybe_show(self) -> None:
        now = self.clock()
        if now - self.shown_at >= EVERY_SECONDS:
            self.shown_at = now
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.rows >= EVERY_ROWS:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
