"""Steps of a user's journey that the cluster tests interrupt between, over plain HTTP."""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import uuid
from urllib.parse import parse_qs, urlsplit

import requests

from tests.support.cluster.topology import REALM, Cluster
from tests.support.forms import form_by_id
from tests.support.keycloak_login import LoopbackSession, e164, submit_login
from tests.support.wizard import PASSWORD, WizardClient, person, to_phone_verification

_tins = itertools.count(1)


def email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"


def unregistered_org(cluster: Cluster, taken: set[str]) -> dict[str, str]:
    """An active organization NPI from the registry sample that nobody registered yet."""
    rows = cluster.bridge_sql(
        "SELECT npi FROM npi_records WHERE entity_type = 2 AND active "
        "AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.key LIKE npi_records.npi || '%') "
        "ORDER BY npi LIMIT 50")
    npi = next(row.npi for row in rows if row.npi not in taken)
    taken.add(npi)
    return {"npi": npi, "tin": f"42-{6600000 + next(_tins):07d}"}


def wizard_to_password(wizard: WizardClient, org: dict[str, str], address: str) -> None:
    """The registration wizard from the first screen through the password (the Keycloak user
    exists from here on)."""
    wizard.account("organization", org["npi"], org["tin"])
    assert wizard.step == "questionnaire", wizard.page.text[:2000] if wizard.page else ""
    wizard.answer_questionnaire()
    assert wizard.step == "organization"
    wizard.organization()
    assert wizard.step == "individual"
    wizard.individual(person(address))
    assert wizard.step == "password", wizard.page.text[:3000] if wizard.page else ""
    wizard.password(PASSWORD)
    assert wizard.step == "sign_in"


def registration_sign_in(wizard: WizardClient, address: str) -> requests.Response:
    """From the wizard's last screen to Keycloak's phone set-up page (password accepted)."""
    return to_phone_verification(wizard, address)


def request_phone_code(http: requests.Session, page: requests.Response,
                       number: str) -> requests.Response:
    form = form_by_id(page.text, page.url, "kc-phone-form")
    requested = http.post(form.action, data={"method": "sms", "phone": number,
                                             "action": "request"}, timeout=60)
    assert 'id="kc-phone-form"' in requested.text, requested.text[:2000]
    return requested


def verify_phone_code(http: requests.Session, page: requests.Response, number: str,
                      code: str) -> requests.Response:
    form = form_by_id(page.text, page.url, "kc-phone-form")
    verified = http.post(form.action, data={"method": "sms", "phone": number, "code": code,
                                            "action": "verify"}, timeout=120)
    assert "enrolled successfully" in verified.text, verified.text[:3000]
    form = form_by_id(verified.text, verified.url, "kc-phone-form")
    return http.post(form.action, data={"action": "continue"}, timeout=60)


def latest_sms(cluster: Cluster, number: str) -> str:
    return cluster.outbox.latest(e164(number), channel="sms").code or ""


# OpenID Connect as the bridge speaks it, done by the test so it holds the tokens itself.

def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_code(cluster: Cluster, address: str) -> tuple[str, str]:
    """Sign in on Keycloak's pages (password, then the phone code); the code it redirects
    back with, and the PKCE verifier that goes with it."""
    from tests.support.keycloak_login import answer_phone_challenge

    verifier, challenge = _pkce()
    http = LoopbackSession()
    login = http.get(f"{cluster.keycloak.url}/realms/{REALM}/protocol/openid-connect/auth",
                     params={"client_id": "idp-bridge", "response_type": "code",
                             "scope": "openid", "redirect_uri": redirect_uri(cluster),
                             "state": secrets.token_urlsafe(16),
                             "code_challenge": challenge, "code_challenge_method": "S256"},
                     timeout=30)
    after_password = submit_login(http, login, address, PASSWORD)
    back = answer_phone_challenge(http, after_password, allow_redirects=False)
    assert back.status_code == 302, back.text[:2000]
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    return query["code"][0], verifier


def redirect_uri(cluster: Cluster) -> str:
    return f"{cluster.env['IDP_BRIDGE_URL']}/auth/callback"


def token_request(cluster: Cluster, node: int, **data: str) -> requests.Response:
    """The token endpoint of one node directly, as a bridge pinned to that node would call it."""
    url = f"{cluster.nodes[node].base_url}/realms/{REALM}/protocol/openid-connect/token"
    return requests.post(url, data={"client_id": "idp-bridge",
                                    "client_secret": cluster.env["IDP_CLIENT_SECRET"], **data},
                         timeout=30)


def logout_request(cluster: Cluster, node: int, refresh_token: str) -> requests.Response:
    url = f"{cluster.nodes[node].base_url}/realms/{REALM}/protocol/openid-connect/logout"
    return requests.post(url, data={"client_id": "idp-bridge",
                                    "client_secret": cluster.env["IDP_CLIENT_SECRET"],
                                    "refresh_token": refresh_token}, timeout=30)
