"""What a server worker does once, before its first request, instead of inside one."""

from __future__ import annotations

from flask import Flask


def compile_templates(app: Flask) -> int:
    """Compile every page template into the app's Jinja cache; how many. Otherwise each
    gunicorn worker compiles each page the first time it draws it, inside the response of
    whoever asks first: a registration's first pass through four fresh workers cost ~12 ms
    more of the bridge's CPU than the next ones (bench/NOTES.md, issue 26)."""
    environment = app.jinja_env
    names = [name for name in environment.list_templates() if name.endswith(".html")]
    for name in names:
        environment.get_template(name)
    return len(names)
