"""SQLite, the development and single-host database, in write-ahead-log mode.

In its default rollback-journal mode every commit waits for two fsyncs; a sign-in (session
row written at /login and at the callback) and a decision (decision, mail claim, session)
each commit several times, so on an ordinary disk the fsyncs alone were most of their time
(see bench/RESULTS.md). WAL with ``synchronous=NORMAL`` commits without an fsync and lets
readers in other gunicorn workers proceed during a write. A committed transaction survives
an application crash; only an operating-system crash or power loss can lose the last few,
which is the trade SQLite documents for this mode. Production runs on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


def install() -> None:
    """Tune every SQLite connection this process opens (idempotent)."""
    global _installed
    if not _installed:
        event.listen(Engine, "connect", _tune)
        _installed = True


def _tune(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
