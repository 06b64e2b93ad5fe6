"""Where a server's own CPU goes, by part (issue 26): the registration's profile.

cProfile inflates Python-heavy code about twofold, and unevenly, so its milliseconds cannot be
set beside the benchmark's. This measures with the CPU clock of the request's own thread
(``time.thread_time``) instead, by wrapping a few entry points, each a *part*: the SQL
statements, the ORM around them, the templates, Keycloak's HTTP calls, the mail, the session
row, form building, Flask's hooks, and the views themselves. Time is *exclusive*: while a
part runs another (a view runs a statement), the outer one's clock stops, so the parts add
up to the request's CPU. Only requests served through :meth:`Parts.wsgi` are counted; the
benchmark's own client, in the same process, is not.

The wrappers cost a few microseconds a call, which lands in the part that made the call.
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Part:
    module: str
    owner: str | None  # a class in ``module``, or None for a module-level function
    function: str
    label: str


MAIL = "mail (composing, SMTP)"
VIEWS = "views (the app's own code)"
# The parts of the bridge (and of any Flask app on the same libraries): outermost first.
PARTS = (
    Part("flask.app", "Flask", "dispatch_request", VIEWS),
    Part("flask.app", "Flask", "preprocess_request", "before-request hooks"),
    Part("flask.app", "Flask", "process_response", "after-request hooks"),
    Part("flask.app", "Flask", "do_teardown_request", "after-request hooks"),
    Part("flask.templating", None, "_render", "templates"),
    Part("wtforms.form", "FormMeta", "__call__", "forms"),
    Part("wtforms.form", "Form", "validate", "forms"),
    Part("idp_bridge.auth.sessions", "DatabaseSessionInterface", "open_session",
         "the session row (beyond its SQL)"),
    Part("idp_bridge.auth.sessions", "DatabaseSessionInterface", "save_session",
         "the session row (beyond its SQL)"),
    Part("flask.sessions", "SecureCookieSessionInterface", "open_session",
         "the signed-cookie session"),
    Part("flask.sessions", "SecureCookieSessionInterface", "save_session",
         "the signed-cookie session"),
    Part("sqlalchemy.orm.session", "Session", "commit", "the ORM (flush, commit, queries)"),
    Part("sqlalchemy.orm.session", "Session", "execute", "the ORM (flush, commit, queries)"),
    Part("sqlalchemy.orm.session", "Session", "get", "the ORM (flush, commit, queries)"),
    Part("sqlalchemy.orm.session", "Session", "scalars", "the ORM (flush, commit, queries)"),
    Part("sqlalchemy.orm.session", "Session", "scalar", "the ORM (flush, commit, queries)"),
    Part("sqlalchemy.orm.session", "Session", "close", "the ORM (flush, commit, queries)"),
    Part("sqlalchemy.engine.base", "Connection", "execute", "SQL statements"),
    Part("requests.sessions", "Session", "request", "HTTP to Keycloak"),
    Part("idp_bridge.mail.smtp", "Relay", "send", MAIL),
    Part("idp_bridge.mail.smtp", "Relay", "close", MAIL),
    Part("bench.minimal_wizard", None, "_send", MAIL),
)
REQUEST = "request handling (WSGI, routing, contexts)"


class Parts:
    """``with Parts() as parts:`` patches the entry points; requests through
    ``parts.wsgi(app)`` are measured while ``parts.on``; ``parts.per(n)`` gives ms each."""

    def __init__(self, parts: Iterable[Part] = PARTS,
                 clock: Callable[[], float] = time.thread_time) -> None:
        self.parts = tuple(parts)
        self.clock = clock
        self.spent: Counter[str] = Counter()
        self.statements = 0
        self.on = False
        self._local = threading.local()
        self._restore: list[Callable[[], None]] = []

    # Measuring --------------------------------------------------------------------------

    def _enter(self, label: str) -> None:
        now, stack = self.clock(), self._local.stack
        if stack:
            self.spent[stack[-1][0]] += now - stack[-1][1]
        stack.append([label, now])

    def _leave(self) -> None:
        now, stack = self.clock(), self._local.stack
        label, began = stack.pop()
        self.spent[label] += now - began
        if stack:
            stack[-1][1] = now  # the outer part's clock runs again

    def _measured(self) -> bool:
        return self.on and getattr(self._local, "stack", None) is not None

    def _wrap(self, part: Part) -> None:
        module = importlib.import_module(part.module)
        owner = getattr(module, part.owner) if part.owner else module
        original = owner.__dict__[part.function] if part.owner else getattr(module,
                                                                            part.function)

        def measured(*args: Any, **kwargs: Any) -> Any:
            if not self._measured():
                return original(*args, **kwargs)
            self._enter(part.label)
            try:
                return original(*args, **kwargs)
            finally:
                self._leave()

        # A function is also called by the names other modules imported it under.
        holders = [owner] if part.owner else [
            module for module in list(sys.modules.values())
            if getattr(module, "__dict__", {}).get(part.function) is original]
        for holder in holders:
            setattr(holder, part.function, measured)
            self._restore.append(lambda holder=holder: setattr(holder, part.function, original))

    def _count_statement(self, *_: Any) -> None:
        if self._measured():
            self.statements += 1

    def wsgi(self, app: Any) -> Callable[..., Any]:
        """``app`` with each request's thread measured (its body read before the clock
        stops)."""

        def served(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            self._local.stack = []
            if self.on:
                self._enter(REQUEST)
            try:
                return list(app(environ, start_response))
            finally:
                if self.on:
                    self._leave()
                self._local.stack = None

        return served

    # Results --------------------------------------------------------------------------

    def per(self, count: int) -> dict[str, Any]:
        by_part = {label: round(1000 * seconds / count, 2)
                   for label, seconds in self.spent.most_common()}
        return {"total_ms": round(sum(by_part.values()), 2), "ms_by_part": by_part,
                "statements": round(self.statements / count, 1)}

    def reset(self) -> None:
        self.spent.clear()
        self.statements = 0

    def __enter__(self) -> Parts:
        for part in self.parts:
            self._wrap(part)
        event.listen(Engine, "before_cursor_execute", self._count_statement)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._count_statement)
        for restore in reversed(self._restore):
            restore()
        self._restore.clear()
