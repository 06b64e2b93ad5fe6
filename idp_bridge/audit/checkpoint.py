"""The chain's head, written down outside the database after every commit.

Why a file, and not a table: a checkpoint is worth something only where someone who can
rewrite the audit table cannot also rewrite it. Whoever holds the database's credentials (an
injection, a stolen password, a restored backup) can delete rows and rewrite the head row,
but not this file, which lives on the bridge host (or a volume only the bridge mounts), and
which an operator can also ship to append-only storage. It is written after the commit, so
it may trail the database by the events of a crash, never lead it: ``verify`` checks that
the event it names is still the chain's n-th, with the same hash.

Several bridge processes share one file (gunicorn workers): writes are serialized with an
exclusive ``flock`` and only ever move it forward. Several hosts each keep their own file;
each one is a valid checkpoint of the same chain.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from idp_bridge.audit.models import keyed_hash
from idp_bridge.config import VAR_DIR


@dataclass(frozen=True)
class Checkpoint:
    count: int  # events in the chain up to and including event_id
    event_id: int
    hash: str


def path_for(app: Flask) -> Path:
    configured = str(app.config.get("IDP_AUDIT_CHECKPOINT_FILE") or "")
    if configured:
        return Path(configured)
    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    if uri.startswith("sqlite:///") and uri != "sqlite:///:memory:":
        return Path(uri.removeprefix("sqlite:///") + ".audit-checkpoint")
    # Named after the database (not its password), so two databases never share one.
    url = uri.split("@", 1)[-1]
    return VAR_DIR / "audit-checkpoints" / hashlib.sha256(url.encode()).hexdigest()[:16]


def _seal(key: bytes, checkpoint: Checkpoint) -> str:
    return keyed_hash(key, f"checkpoint\x00{checkpoint.count}\x00{checkpoint.event_id}\x00"
                           f"{checkpoint.hash}")


def read(app: Flask | None = None) -> Checkpoint | None:
    """The last checkpoint; None when there is none. A file whose seal does not hold (edited
    by hand) reads as a checkpoint of an impossible head, so ``verify`` reports it."""
    app = app or current_app
    path = path_for(app)
    try:
        data = json.loads(path.read_text())
        checkpoint = Checkpoint(int(data["count"]), int(data["event_id"]), str(data["hash"]))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        return Checkpoint(-1, -1, "unreadable")
    if data.get("seal") != _seal(_key(app), checkpoint):
        return Checkpoint(-1, -1, "seal does not hold")
    return checkpoint


def advance(checkpoint: Checkpoint, app: Flask | None = None) -> None:
    """Record ``checkpoint`` unless the file already names a later head."""
    app = app or current_app
    path = path_for(app)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(path.suffix + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read(app)
        if current is not None and current.count >= checkpoint.count:
            return
        temporary = path.with_suffix(path.suffix + f".{os.getpid()}")
        temporary.write_text(json.dumps({
            "count": checkpoint.count, "event_id": checkpoint.event_id,
            "hash": checkpoint.hash, "seal": _seal(_key(app), checkpoint)}))
        os.replace(temporary, path)


def forget(app: Flask) -> None:
    """For ``make reset`` only: the dev database's events are gone on purpose."""
    path_for(app).unlink(missing_ok=True)


def _key(app: Flask) -> bytes:
    return str(app.config["IDP_AUDIT_KEY"]).encode()
