"""Outbound HTTP to Keycloak without re-reading the environment on every request.

With ``trust_env`` on, requests scans the whole process environment (proxy variables,
``NO_PROXY``, the CA bundle variables, ``~/.netrc``) on every call it makes: about a
millisecond of CPU each, a tenth of the bridge's work in a sign-in (bench/NOTES.md). A
worker's environment does not change while it runs, so it is read once, when the session is
made, for the one server the session talks to.
"""

from __future__ import annotations

import os

import requests
from requests.utils import get_environ_proxies


def environment_read_once(session: requests.Session, url: str) -> requests.Session:
    """``session`` with the proxies and CA bundle the environment gives for ``url`` fixed
    now, and requests' per-call reading of the environment turned off. Credentials are
    always passed explicitly, so ``.netrc`` is not wanted."""
    session.proxies.update(get_environ_proxies(url))  # honours NO_PROXY for url's host
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle and session.verify is True:
        session.verify = bundle
    session.trust_env = False
    return session
