"""A worker compiles every page before its first request (gunicorn.conf.py post_worker_init):
none is left for a user's request to compile, and a template that does not compile stops the
worker at start, not a user at that page."""

from __future__ import annotations

from flask import Flask

from idp_bridge.operations.warm import compile_templates


def test_every_page_is_compiled_before_the_first_request(app: Flask) -> None:
    environment = app.jinja_env
    environment.cache.clear()  # type: ignore[union-attr]
    compiled = compile_templates(app)
    assert compiled >= 30  # the bridge's pages, every area's
    cached = {key[1] for key, _ in environment.cache.items()}  # type: ignore[union-attr]
    pages = {name for name in environment.list_templates() if name.endswith(".html")}
    assert pages <= cached
    assert "registration/individual.html" in pages
