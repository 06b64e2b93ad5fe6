"""The client address a limit is kept for."""

from __future__ import annotations

from flask import has_request_context, request


def client_address() -> str:
    """The request's client (behind trusted proxies, ProxyFix has put it in remote_addr)."""
    if not has_request_context():
        return ""
    return (request.remote_addr or "unknown")[:64]
