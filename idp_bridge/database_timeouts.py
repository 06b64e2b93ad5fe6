"""How long the bridge waits on a PostgreSQL server that has gone silent.

gunicorn killed a sync worker stuck 30 s in a request; the image's threads
(gunicorn.conf.py) are never killed that way, so a thread waits as long as its database
connection does. By default libpq waits for ever on a server that stops answering without
closing the connection (a dropped network path, a frozen host): the kernel's keepalive only
starts after two hours. So every PostgreSQL connection the bridge opens says

- ``connect_timeout``: give up connecting after 5 s;
- keepalives after 10 s of silence, every 5 s, three unanswered: a server gone silent while
  a statement waits for its answer is noticed within about 25 s;
- ``tcp_user_timeout``: data sent and not acknowledged for 25 s fails the connection too.

A healthy long statement is not cut short: the server's kernel answers the keepalives while
it works. The request then fails as it does when the database refuses connections, and the
thread is free for the next one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import make_url

SILENT_SERVER_ARGS: Mapping[str, int] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 25_000,  # milliseconds
}


def engine_options(uri: str, configured: Mapping[str, Any] | None) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` for ``uri``: on PostgreSQL the bounds above, under any
    options the app was created with (``create_app(overrides=...)``: those win)."""
    options = dict(configured or {})
    if make_url(uri).get_backend_name() == "postgresql":
        options["connect_args"] = {**SILENT_SERVER_ARGS, **options.get("connect_args", {})}
    return options
