"""Throwaway PostgreSQL databases for test sessions, benchmarks and the local cluster: made
fresh on a server where the user may create databases, dropped when the run ends."""

from __future__ import annotations

import time
import uuid

import sqlalchemy
import sqlalchemy.exc


def create_database(server_url: str, prefix: str = "bridge_test") -> str:
    """An empty database on the server ``server_url`` names (e.g.
    postgresql+psycopg://portal:portal@127.0.0.1/postgres); returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(sqlalchemy.engine.make_url(server_url).set(database=name).render_as_string(
        hide_password=False))


def drop_databases(server_url: str, *database_urls: str) -> None:
    """Drop the databases, their connections too (a killed run leaves some open).

    Our own role's connections are ended first, then a plain DROP DATABASE: PostgreSQL stops
    an autovacuum worker on the database by itself (a bulk load wakes one), which ``WITH
    (FORCE)`` refuses to do for a role that is not a member of ``pg_signal_backend``. Only a
    database still in use after that is dropped with FORCE."""
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for url in database_urls:
            _drop(connection, str(sqlalchemy.engine.make_url(url).database))
    engine.dispose()


def _drop(connection: sqlalchemy.Connection, name: str, attempts: int = 3) -> None:
    for attempt in range(attempts):
        connection.execute(sqlalchemy.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name "
            "AND pid <> pg_backend_pid() AND usename = current_user"), {"name": name})
        try:
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}"'))
            return
        except sqlalchemy.exc.OperationalError:  # still in use: a backend was ending
            time.sleep(0.5 * (attempt + 1))
    connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
