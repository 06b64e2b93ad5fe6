"""Flask extensions, created unbound and attached in the app factory with ``init_app``."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Connection
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


@contextmanager
def one_statement() -> Iterator[Connection]:
    """A connection of its own for work that is a single statement (read a session, claim an
    email): the statement commits by itself, atomic on PostgreSQL and SQLite alike, with no
    BEGIN before it and no COMMIT or ROLLBACK after it, two round trips fewer than
    ``engine.begin()`` (issue 26: a registration made two dozen of these).

    A statement written once and run on a hot path (every request, every sign-in) is an
    ``idp_bridge.autocommit.AutocommitStatement`` instead: the same unit of work on the
    driver's cursor, at about half the CPU. This stays for statements built per call, or
    needing what SQLAlchemy's execution adds (Python-side column defaults)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


def commit_keeping_loaded() -> None:
    """Commit, and keep what the objects loaded in this request hold: what the request shows
    next is what it has just written (under the row locks it held until this commit), with
    no SELECT to read each of them back as an ordinary commit's expiry would make."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
