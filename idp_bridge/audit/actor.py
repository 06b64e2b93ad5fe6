"""Who acts: resolved once per request (``idp_bridge.auth.current_actor``) and handed to
decisions and to ``audit.record`` explicitly, so no service reads the session or request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: str = ""  # Keycloak user id; empty for the system (CLI, scheduled jobs)
    email: str = ""
    ip: str = ""
    user_agent: str = "cli"


SYSTEM = Actor()
