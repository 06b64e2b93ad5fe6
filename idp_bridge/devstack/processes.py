"""Stopping the local servers the dev stack, the tests and the benchmark start."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_process_group(process: subprocess.Popen[bytes] | None, grace_seconds: float) -> None:
    """SIGTERM the process's whole group (kc.sh runs the JVM as a child, gunicorn its
    workers), then SIGKILL whatever is still there after ``grace_seconds``."""
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
