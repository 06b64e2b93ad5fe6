"""Which Python ran the bridge's side of a run, and how fast it runs Python code.

The bridge's CPU is Python's, so it depends on how the interpreter was built. The image the
bridge ships in (``Dockerfile``: ``python:3.11-slim``) builds CPython with profile-guided and
link-time optimization (``--enable-optimizations --with-lto``); a plain source build, such
as pyenv's default, has neither and runs pure Python about a fifth slower, the bridge's
registration about 4 % slower (bench/NOTES.md, eighth pass). Keycloak's JVM is not
affected, so the interpreter moves every ratio of the bridge to Keycloak alone. Each run
records its interpreter and a calibration figure (the CPU of one fixed piece of pure-Python
work), so runs made on different interpreters are never compared as if they were alike.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from typing import Any

# Rounds of the calibration work; the figure is the fastest, the one least disturbed by
# whatever else the machine does.
ROUNDS = 7


class _Row:
    """A small object with a method, as the bridge builds by the thousand per request."""

    __slots__ = ("key", "value")

    def __init__(self, key: str, value: int) -> None:
        self.key = key
        self.value = value

    def cell(self) -> str:
        return f"<td class=\"{self.key}\">{self.value}</td>"


def _work() -> int:
    """What a web request's Python mostly does: dicts, JSON, string building and small
    objects. No I/O, no C library doing the work (hashing, regular expressions)."""
    rows = [_Row(f"k{i % 17}", i) for i in range(20_000)]
    page = "".join(row.cell() for row in rows)
    record = {row.key: [row.value, {"v": row.value}] for row in rows}
    decoded = json.loads(json.dumps(record))
    return len(page) + len(decoded)


def calibration_ms(rounds: int = ROUNDS) -> float:
    """CPU milliseconds of :func:`_work`, the fastest of ``rounds`` (after one warm-up)."""
    _work()
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        _work()
        best = min(best, time.process_time() - start)
    return round(best * 1000, 1)


def describe() -> dict[str, Any]:
    """The interpreter of this process (gunicorn's workers run the same one: bench/stack.py
    starts them from this venv)."""
    # Not the build flags: a distribution that optimizes in its own build rules (Debian)
    # leaves no trace of them in sysconfig. The calibration figure shows what they do.
    return {"version": platform.python_version(), "executable": sys.executable,
            "base": sys.base_prefix, "compiler": platform.python_compiler(),
            "calibration_ms": calibration_ms()}


def label(interpreter: dict[str, Any] | None) -> str:
    """``Python 3.11.2 at /usr (calibration 31.0 ms)``; runs from before this module
    recorded only the version."""
    if not interpreter:
        return "interpreter not recorded"
    if "calibration_ms" not in interpreter:
        return f"Python {interpreter['version']}, its build not recorded"
    return (f"Python {interpreter['version']} at {interpreter['base']} "
            f"(calibration {interpreter['calibration_ms']} ms)")
