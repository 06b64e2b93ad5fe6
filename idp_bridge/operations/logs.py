"""Logs: one line per request, JSON in production (``IDP_LOG_FORMAT=json``, the default
outside dev mode), plain text in dev.

The request line names the route *template* (``/register/<name>``), never the path or the
query (an OIDC callback's query carries an authorization code), and the person by their
Keycloak id, never by email. Nothing a user typed is in it: no email code, password, token
or TIN can reach it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from idp_bridge.operations import request_id

REQUEST_LOGGER = "idp_bridge.request"
REQUEST_FIELDS = ("request_id", "brand", "method", "route", "status", "duration_ms", "user")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request id, and the
    request line's fields when the record carries them."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or request_id.current()
        if rid:
            line["request_id"] = rid
        for name in REQUEST_FIELDS:
            if name != "request_id" and hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else ""
        return json.dumps(line, separators=(",", ":"))


_HANDLER_MARK = "_idp_bridge_json"


def configure(log_format: str) -> None:
    """JSON on the root logger's handlers, or leave Python's plain text (idempotent)."""
    root = logging.getLogger()
    if log_format != "json":
        return
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        if not getattr(handler, _HANDLER_MARK, False):
            handler.setFormatter(JsonFormatter())
            setattr(handler, _HANDLER_MARK, True)


def request_line(fields: dict[str, Any]) -> None:
    """The request's one line (the message is the text form; JSON adds the fields)."""
    logging.getLogger(REQUEST_LOGGER).info(
        "%s %s %s %.0fms brand=%s user=%s request_id=%s", fields["method"], fields["route"],
        fields["status"], fields["duration_ms"], fields["brand"], fields["user"] or "-",
        fields["request_id"], extra=fields)
