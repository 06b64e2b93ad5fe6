"""Metrics and the request id through the real stack: each named series moves after the
journey that moves it (a real registration, decision, code send, sign-in), on the metrics
port and never on the public address; the proxy's request id reaches Keycloak's access log
and the audit log."""

from __future__ import annotations

import uuid

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from idp_bridge.audit.models import AuditEvent
from idp_bridge.devstack.keycloak_server import free_port
from idp_bridge.extensions import db
from idp_bridge.operations.metrics import serve_metrics
from tests.support.consoles import org_id, post_form, signed_in
from tests.support.forms import form_by_id
from tests.support.keycloak_login import LoopbackSession, phone_code_for, submit_login
from tests.support.wizard import PASSWORD

pytestmark = pytest.mark.keycloak


@pytest.fixture(scope="module")
def metrics_url(live_app) -> str:  # type: ignore[no-untyped-def]
    """The metrics listener, as gunicorn.conf.py starts it (here in the test process)."""
    return f"http://127.0.0.1:{serve_metrics(live_app, port=free_port())}/metrics"


def scrape(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = requests.get(url, timeout=30).text
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples, name: str, **labels: str) -> float:  # type: ignore[no-untyped-def]
    """Summed over the labels not given."""
    return sum(v for (n, ls), v in samples.items()
               if n == name and set(labels.items()) <= ls)


def test_metrics_move_after_a_real_registration_code_send_and_decision(
        bridge, live_app, plan_admin, new_registered_org, metrics_url) -> None:
    before = scrape(metrics_url)
    org = new_registered_org()  # the whole wizard: email code, password, phone, terms
    oid = org_id(live_app, org["key"])
    approved = post_form(signed_in(bridge, plan_admin["email"]), bridge,
                         f"/admin/organizations/{oid}", f"/admin/organizations/{oid}/approve",
                         {"note": "Called the office"})
    assert approved.status_code == 200
    after = scrape(metrics_url)

    def moved(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert moved("idp_bridge_registrations_started_total", brand="dean") >= 1
    assert moved("idp_bridge_registrations_finished_total", brand="dean",
                 kind="organization") == 1
    assert moved("idp_bridge_codes_sent_total", channel="email") >= 1
    assert moved("idp_bridge_decisions_total", kind="organization.approve") == 1
    assert moved("idp_bridge_keycloak_admin_call_duration_seconds_count",
                 operation="POST /users") >= 1
    assert moved("idp_bridge_http_requests_total", route="/register/<name>",
                 method="POST", status="200") >= 1
    assert moved("idp_bridge_http_request_duration_seconds_count",
                 route="/admin/organizations/<int:org_id>/<any(approve, deny):verdict>") >= 1
    assert value(after, "idp_bridge_active_sessions") >= 1  # the plan administrator
    assert value(after, "idp_bridge_ready") == 1
    for gauge in ("idp_bridge_mail_outbox_depth", "idp_bridge_mail_outbox_oldest_age_seconds",
                  "idp_bridge_registrations_in_progress", "idp_bridge_database_up"):
        assert (gauge, frozenset()) in after, gauge


def test_metrics_refused_on_the_public_address_of_the_live_bridge(bridge, metrics_url) -> None:
    public = requests.get(f"{bridge}/metrics", timeout=30)
    assert public.status_code == 404 and "idp_bridge_" not in public.text
    assert "idp_bridge_http_requests_total" in requests.get(metrics_url, timeout=30).text


def test_metrics_keycloak_user_events_count_sign_ins_phone_codes_sent_and_failures(
        keycloak, plan_admin, bridge, outbox) -> None:
    management = f"http://127.0.0.1:{keycloak.server.management_port}/metrics"

    def events() -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
        return scrape(management)

    before = events()
    signed_in(bridge, plan_admin["email"])  # password and phone code
    http = LoopbackSession()  # password right, phone code wrong
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), plan_admin["email"],
                        PASSWORD)
    form = form_by_id(page.text, page.url, "kc-phone-code-form")
    right = phone_code_for(page.text, outbox)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    http.post(form.action, data={"code": wrong, "action": "verify"}, timeout=30)
    after = events()

    def moved(**labels: str) -> float:
        return total(after, "keycloak_user_events_total", **labels) - \
            total(before, "keycloak_user_events_total", **labels)

    assert moved(event="login", error="") >= 1
    assert moved(event="login", error="invalid_user_credentials") >= 1  # the wrong phone code
    # The plugin's own counter: both sign-ins sent a phone code (toll-fraud waves show here).
    sent = total(after, "idp_bridge_phone_codes_sent_total", channel="sms") - \
        total(before, "idp_bridge_phone_codes_sent_total", channel="sms")
    assert sent >= 2, sent


def test_request_id_from_the_proxy_reaches_keycloak_and_the_audit_log(
        bridge, live_app, keycloak, plan_admin, new_registered_org) -> None:
    org = new_registered_org()
    oid = org_id(live_app, org["key"])
    http = signed_in(bridge, plan_admin["email"])
    rid = f"drill-{uuid.uuid4().hex}"
    http.headers["X-Request-ID"] = rid
    answer = post_form(http, bridge, f"/admin/organizations/{oid}",
                       f"/admin/organizations/{oid}/approve", {"note": "Confirmed"})
    assert answer.history[0].headers["X-Request-ID"] == rid  # the POST, before its redirect
    with live_app.app_context():
        event = db.session.query(AuditEvent).filter_by(action="organization.approve",
                                                      organization_key=org["key"]).one()
        assert event.request_id == rid
    access_log = keycloak.server.log_path.read_text(errors="replace")
    assert f"request_id={rid}" in access_log  # Keycloak's access log, the admin calls
