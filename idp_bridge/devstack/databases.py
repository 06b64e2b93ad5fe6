"""Throwaway PostgreSQL databases for test sessions, benchmarks and the local cluster: made
fresh on a server where the user may create databases, dropped when the run ends."""

from __future__ import annotations

import uuid

import sqlalchemy


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
    """Drop the databases (their connections too: a killed run leaves some open)."""
    engine = sqlalchemy.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for url in database_urls:
            name = sqlalchemy.engine.make_url(url).database
            connection.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
