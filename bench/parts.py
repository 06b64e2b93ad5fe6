"""Where a server's own CPU goes, by part (issue 26): the registration's profile.

cProfile inflates Python-heavy code about twofold, and unevenly, so its milliseconds cannot be
set beside the benchmark's. This measures with the CPU clock of the request's own thread
(``time.thread_time``) instead, by wrapping a few entry points, each a *part*: the SQL
statements, the ORM around them, the templates, Keycloak's HTTP calls, the mail, the session
row, form building, Flask's hooks, and the views themselves. Time is *exclusive*: while a
part runs another (a view runs a statement), the outer one's clock stops, so the parts add
up to the request's CPU. Only requests served through :meth:`Parts.wsgi` are counted.

:class:`ProfiledServer` serves the app so in a process of its own, as gunicorn's worker does
(its modules frozen out of the garbage collector's sight once warm): in the benchmark's own
process the client's garbage was collected in the server's thread and charged to whichever
part allocated most (the ORM's share read 5-8 ms higher than side by side under gunicorn).

The wrappers cost about 2.5 ms a registration (4 %), which lands in the parts that call them.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Part:
    module: str
    owner: str | None  # a class in ``module``, or None for a module-level function
    function: str
    label: str
    statement: bool = False  # each call is one SQL statement (counted as SQLAlchemy's are)


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
    # Statements committing by themselves, on the driver's cursor (counted by the engine's
    # event, as SQLAlchemy's are).
    Part("idp_bridge.autocommit", "AutocommitStatement", "run", "SQL statements"),
    Part("requests.sessions", "Session", "request", "HTTP to Keycloak"),
    Part("idp_bridge.mail.smtp", "Relay", "send", MAIL),
    Part("idp_bridge.mail.smtp", "Relay", "close", MAIL),
    Part("bench.minimal_wizard", None, "send_mail", MAIL),
    # The durable minimal wizard's (bench/minimal_store.py): its session row, its statements.
    Part("bench.minimal_store", "RowSessions", "open_session",
         "the session row (beyond its SQL)"),
    Part("bench.minimal_store", "RowSessions", "save_session",
         "the session row (beyond its SQL)"),
    Part("bench.minimal_store", "Database", "run", "SQL statements", statement=True),
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
            if part.statement:
                self.statements += 1
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


class ProfiledServer:
    """The app ``factory(*args)`` makes (``factory``: "module:function", ``args``: JSON),
    served with :class:`Parts` on 127.0.0.1:``port`` by a Python process of its own
    (werkzeug's server, one thread), driven over a pipe: ``measure()`` starts counting,
    ``results(count)`` answers :meth:`Parts.per`. A context manager; leaving it ends the
    process."""

    def __init__(self, factory: str, args: list[Any], port: int,
                 log: Path | None = None) -> None:
        self._spec = json.dumps({"factory": factory, "args": args, "port": port})
        self._log = log  # the server's output (its request log lines); none kept if None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ProfiledServer:
        commands, self._to_child = os.pipe()
        self._from_child, answers = os.pipe()
        output = self._log.open("ab") if self._log else subprocess.DEVNULL
        self._process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed code)
            [sys.executable, "-c", "from bench.parts import serve_profiled; serve_profiled()",
             str(commands), str(answers)], pass_fds=(commands, answers), cwd=_ROOT,
            stdout=output, stderr=output)
        if self._log:
            output.close()  # type: ignore[union-attr]
        os.close(commands)
        os.close(answers)
        self._ask(self._spec)
        return self

    def measure(self) -> None:
        self._ask("measure")

    def results(self, count: int) -> dict[str, Any]:
        return dict(json.loads(self._ask(f"results {count}")))

    def _ask(self, command: str) -> str:
        os.write(self._to_child, command.encode() + b"\n")
        ready, _, _ = select.select([self._from_child], [], [], 120)
        line = _line(self._from_child) if ready else ""
        if not line.startswith("ok "):
            raise RuntimeError(f"the profiled server answered {line or 'nothing'!r} "
                               f"to {command.split()[0]!r}")
        return line[3:]

    def __exit__(self, *_: object) -> None:
        os.close(self._to_child)  # the server's read ends, and so does the server
        os.close(self._from_child)
        if self._process is not None:
            try:
                self._process.wait(20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


_ROOT = str(Path(__file__).resolve().parents[1])


def _line(fd: int) -> str:
    out = bytearray()
    while not out.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            break
        out += chunk
    return out.decode().strip()


def serve_profiled() -> None:
    """The profiled server's process (``ProfiledServer``): its first command names the app;
    it serves until the benchmark closes the pipe."""
    from werkzeug.serving import make_server

    commands, answers = (int(fd) for fd in sys.argv[1:3])
    spec = json.loads(_line(commands))
    module, _, function = spec["factory"].partition(":")
    app = getattr(importlib.import_module(module), function)(*spec["args"])
    with Parts() as parts:
        server = make_server("127.0.0.1", spec["port"], parts.wsgi(app), threaded=False)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        os.write(answers, b"ok ready\n")
        while command := _line(commands):
            if command == "measure":
                gc.freeze()  # as gunicorn.conf.py's post_worker_init does, once warm
                parts.on = True
                os.write(answers, b"ok measuring\n")
            elif command.startswith("results "):
                figures = parts.per(int(command.split()[1]))
                os.write(answers, f"ok {json.dumps(figures)}\n".encode())
        server.shutdown()
