"""Sign in through Keycloak's real login page with plain HTTP, as a browser would."""

from __future__ import annotations

from http.cookiejar import DefaultCookiePolicy

import requests

from tests.support.forms import form_by_id, forms

_LOOPBACK = {"127.0.0.1", "localhost"}
_plain_return_ok_secure = DefaultCookiePolicy.return_ok_secure


def _return_ok_secure(self, cookie, request):  # type: ignore[no-untyped-def]
    if request.host.split(":")[0] in _LOOPBACK:
        return True
    return _plain_return_ok_secure(self, cookie, request)


# Keycloak marks its cookies Secure. Browsers still send them to http://127.0.0.1 (loopback is
# a secure context); the stdlib cookie jar would not. requests copies cookies into fresh jars
# on every request and redirect, so the rule is changed on the policy class, for loopback only.
DefaultCookiePolicy.return_ok_secure = _return_ok_secure  # type: ignore[method-assign]


class LoopbackSession(requests.Session):
    """A cookie-keeping HTTP client that behaves like a browser on loopback."""


def submit_login(http: requests.Session, page: requests.Response, username: str,
                 password: str) -> requests.Response:
    """Fill and post Keycloak's username/password form found on ``page``."""
    form = form_by_id(page.text, page.url, "kc-form-login")
    data = {**form.fields, "username": username, "password": password}
    return http.post(form.action, data=data, allow_redirects=True, timeout=30)


def accept_terms_if_asked(http: requests.Session, page: requests.Response) -> requests.Response:
    for form in forms(page.text, page.url):
        if any(b.get("name") == "accept" for b in form.buttons):
            return http.post(form.action, data={**form.fields, "accept": ""}, timeout=30)
    return page


def sign_in_to_bridge(bridge_url: str, username: str, password: str,
                      http: requests.Session | None = None) -> tuple[requests.Session,
                                                                     requests.Response]:
    """Start at the bridge's /login, post Keycloak's form, land back on the bridge."""
    http = http or LoopbackSession()
    login_page = http.get(f"{bridge_url}/login", timeout=30)
    assert "kc-form-login" in login_page.text, login_page.text[:500]
    landed = submit_login(http, login_page, username, password)
    return http, landed


def finish_required_actions(http: requests.Session, page: requests.Response,
                            bridge_url: str, phone_step=None) -> requests.Response:  # type: ignore[no-untyped-def]
    """Answer Keycloak's required-action pages until it sends the user back to the bridge.

    ``phone_step(http, page) -> page`` handles the phone-verification page when present.
    """
    for _ in range(10):
        if page.url.startswith(bridge_url):
            return page
        if phone_step is not None and "kc-phone" in page.text:
            page = phone_step(http, page)
            continue
        accepted = accept_terms_if_asked(http, page)
        if accepted is page:
            raise AssertionError(f"stuck on a Keycloak page: {page.url}\n{page.text[:800]}")
        page = accepted
    raise AssertionError("too many Keycloak pages")
