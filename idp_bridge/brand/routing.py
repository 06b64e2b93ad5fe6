"""Which brand a request is for: the address it came to.

Each brand has a public address (``IDP_DEAN_URL``, ``IDP_WELLFIRST_URL``). In production
those are two host names in front of the same bridge (the host -> brand map); in dev and in
tests they share one host and port and differ by a path, ``/b/wellfirst``. A request goes to
the brand whose address it falls under (the longest path wins). A path is moved into
``SCRIPT_NAME``, so ``url_for`` keeps every link, redirect and form on the brand's own
address without any template knowing about it. A request to no brand's address is the
default brand's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request

from idp_bridge.brand import DEFAULT_BRAND, ENVIRON_KEY, brand_url_setting, current_brand


def _host(netloc: str) -> str:
    """``host[:port]`` as a browser sends it in Host (lower case, no default port: behind a
    TLS-terminating proxy the bridge itself sees http, so both are dropped)."""
    host, _, port = netloc.lower().partition(":")
    return host if port in ("", "80", "443") else f"{host}:{port}"


@dataclass(frozen=True)
class BrandAddress:
    brand: str
    host: str
    prefix: str  # "" or a path such as /b/wellfirst

    @classmethod
    def from_url(cls, brand: str, url: str) -> BrandAddress:
        parts = urlsplit(url)
        return cls(brand, _host(parts.netloc), parts.path.rstrip("/"))

    def matches(self, host: str, path: str) -> bool:
        return host == self.host and (
            not self.prefix or path == self.prefix or path.startswith(self.prefix + "/"))


def addresses(urls: Mapping[str, str]) -> list[BrandAddress]:
    """Brand addresses, most specific (longest path) first."""
    found = [BrandAddress.from_url(brand, url) for brand, url in urls.items()]
    return sorted(found, key=lambda address: len(address.prefix), reverse=True)


def select(routes: Iterable[BrandAddress], host: str, path: str) -> BrandAddress | None:
    """The address a request to ``host`` (its Host header) and ``path`` falls under."""
    host = _host(host)
    return next((route for route in routes if route.matches(host, path)), None)


class BrandRouter:
    """WSGI middleware: records the request's brand and strips its path prefix."""

    def __init__(self, app: Any, urls: Mapping[str, str]) -> None:
        self.app = app
        self.routes = addresses(urls)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        path = environ.get("PATH_INFO", "")
        route = select(self.routes, host, path)
        environ[ENVIRON_KEY] = route.brand if route else DEFAULT_BRAND
        if route and route.prefix:
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + route.prefix
            environ["PATH_INFO"] = path[len(route.prefix):] or "/"
        return self.app(environ, start_response)


def brand_url(key: str | None = None) -> str:
    """A brand's public address (the request's brand by default), without a trailing /."""
    return str(current_app.config[brand_url_setting(key or current_brand().key)])


def external_url(path: str) -> str:
    """``path`` (from ``url_for``, so it already carries the brand's path) as an absolute URL
    on the brand's own origin. The origin comes from settings, never from the Host header."""
    parts = urlsplit(brand_url())
    return f"{parts.scheme}://{parts.netloc}{path}"


def here() -> str:
    """The request's path and query as the browser sees it (the brand's path included), for
    a ``next`` that must come back to the same brand."""
    return request.script_root + request.full_path.rstrip("?")
