"""The request id: one name for one request, from the proxy to Keycloak and the audit log.

The reverse proxy sends ``X-Request-ID`` (nginx: ``$request_id``, 32 hex digits); a value
that is too long or carries anything but letters, digits and ``._:-`` is replaced by a new
id, never copied into logs or headers (log and header injection). The id is answered in
the response's ``X-Request-ID``, sent to Keycloak on every admin call and written into
audit events.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
MAX_LENGTH = 64
_ACCEPTED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0," + str(MAX_LENGTH - 1) + "}")

# A context variable, not flask.g: the Keycloak gateway reads it below the request (and
# audit.record outside one, where there is no id).
_current: ContextVar[str] = ContextVar("idp_bridge_request_id", default="")


def accepted(incoming: str | None) -> str:
    """The proxy's id when it is well-formed, else a new one."""
    if incoming and _ACCEPTED.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def begin(incoming: str | None) -> str:
    request_id = accepted(incoming)
    _current.set(request_id)
    return request_id


def end() -> None:
    _current.set("")


def current() -> str:
    """This request's id ("" outside a request: the CLI, the deliverer)."""
    return _current.get()
