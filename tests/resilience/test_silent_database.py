"""A PostgreSQL server that takes the connection and then says nothing (a frozen host, a
network path that drops packets): the bridge gives up on it instead of waiting for ever.
Under the image's threads (gunicorn.conf.py) no timeout of gunicorn's ends a stuck request,
so the connection's own bounds (idp_bridge/database_timeouts.py) are what frees the thread.

The silent server is a listening socket nobody reads: the kernel completes the TCP
handshake, and the startup message is never answered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from idp_bridge import create_app
from idp_bridge.config import dev_environment
from idp_bridge.database_timeouts import SILENT_SERVER_ARGS, engine_options
from idp_bridge.devstack.keycloak_server import free_port

pytest.importorskip("psycopg")


@pytest.fixture
def silent_server() -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


def test_readiness_names_a_silent_database_instead_of_hanging(silent_server: int,
                                                              tmp_path: Path) -> None:
    env = {**dev_environment(keycloak_port=free_port(), bridge_port=free_port(),
                             outbox_dir=str(tmp_path / "outbox")),
           "DATABASE_URL": f"postgresql+psycopg://portal:x@127.0.0.1:{silent_server}/bridge"}
    app = create_app(env=env)
    answer: dict[str, Any] = {}

    def ask() -> None:
        response = app.test_client().get("/readyz")
        answer.update(status=response.status_code, body=response.get_json())

    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    # Generous: the connect bound is 5 s per attempt. Without it the thread never returns.
    asking.join(timeout=120)
    assert not asking.is_alive(), "the readiness probe is still waiting on a silent database"
    assert answer["status"] == 503
    assert {"check": "database", "reason": "unreachable"} in answer["body"]["failed"]


def test_every_postgresql_connection_carries_the_bounds_and_an_apps_own_win() -> None:
    options = engine_options("postgresql+psycopg://h/db", {
        "pool_size": 7, "connect_args": {"connect_timeout": 2}})
    assert options["pool_size"] == 7
    assert options["connect_args"] == {**SILENT_SERVER_ARGS, "connect_timeout": 2}
    assert "connect_args" not in engine_options("sqlite:///x.db", None)
