"""Metrics in the unit layer: counted when the database commits, never on rollback; the
database's gauges; labels that carry no ids, keys or emails."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.operations.metrics import DatabaseCollector, operation
from idp_bridge.registration.models import RegistrationDraft
from tests.support.drafts import last_code

ME = {"first_name": "Avery", "last_name": "Stone", "phone": "608-555-0142",
      "email": "avery@clinic.test", "job_title": "Office Manager", "opt_in": "in",
      "site_admin": "yes"}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_registration_started_counted_on_commit_not_on_rollback(app: Flask) -> None:
    before = value("idp_bridge_registrations_started_total", brand="dean")
    with app.test_request_context("/register"):
        db.session.add(RegistrationDraft(step="account", context={}))
        db.session.flush()
        db.session.rollback()
        assert value("idp_bridge_registrations_started_total", brand="dean") == before
        db.session.add(RegistrationDraft(step="account", context={}))
        db.session.commit()
    assert value("idp_bridge_registrations_started_total", brand="dean") == before + 1


def test_metrics_a_wizard_started_once_per_draft_it_creates(app: Flask) -> None:
    """The wizard writes its first draft in one statement outside the ORM: still counted,
    once, by the brand it was started under, and a reload of the same browser adds none."""
    browser = app.test_client()
    before = value("idp_bridge_registrations_started_total", brand="dean")
    assert browser.get("/register").status_code == 302
    assert browser.get("/register").status_code == 302  # the same draft, not a second one
    assert value("idp_bridge_registrations_started_total", brand="dean") == before + 1
    with app.app_context():
        assert db.session.query(RegistrationDraft).count() == 1


def test_metrics_abandoned_registration_counted_at_its_step(app: Flask) -> None:
    before = value("idp_bridge_registrations_abandoned_total", brand="dean", step="password")
    with app.test_request_context("/register"):
        draft = RegistrationDraft(step="password", context={})
        db.session.add(draft)
        db.session.commit()
        db.session.delete(draft)
        db.session.commit()
    assert value("idp_bridge_registrations_abandoned_total", brand="dean",
                 step="password") == before + 1


def test_metrics_email_codes_sent_refused_and_locked(wizard_at, app: Flask) -> None:
    sent = value("idp_bridge_codes_sent_total", channel="email")
    refused = value("idp_bridge_codes_refused_total", channel="email", reason="code.cooldown")
    locked = value("idp_bridge_lockouts_total", channel="email_code")
    app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"] = 30
    enrollment = wizard_at("individual")
    enrollment.post({**ME, "action": "send_code"})
    enrollment.post({**ME, "action": "send_code"})  # within the cooldown: refused
    assert value("idp_bridge_codes_sent_total", channel="email") == sent + 1
    assert value("idp_bridge_codes_refused_total", channel="email",
                 reason="code.cooldown") == refused + 1
    wrong = f"{(int(last_code(app, ME['email'])) + 1) % 1_000_000:06d}"
    for _ in range(app.config["IDP_EMAIL_CODE_MAX_WRONG_TRIES"] + 2):
        enrollment.post({**ME, "email_code": wrong, "action": "verify_code"})
    assert value("idp_bridge_lockouts_total", channel="email_code") == locked + 1


def test_metrics_requests_by_route_and_status(client) -> None:
    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    before = value("idp_bridge_http_requests_total", **labels)
    client.get("/healthz")
    client.get("/healthz")
    assert value("idp_bridge_http_requests_total", **labels) == before + 2
    assert value("idp_bridge_http_request_duration_seconds_count", route="/healthz",
                 method="GET") >= 2
    client.open("/healthz", method="BREW")  # a made-up method is one label, not a new one
    assert value("idp_bridge_http_requests_total", route="unmatched", method="other",
                 status="405") >= 1


def test_metrics_database_gauges_outbox_depth_age_and_sessions(app: Flask) -> None:
    with app.app_context():
        db.session.add(OutboundEmail(message_id="<m@t>", kind="decision", to="a@b.test",
                                     subject="s", body="b",
                                     created_at=utcnow() - timedelta(minutes=20)))
        db.session.commit()
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(app))
    assert registry.get_sample_value("idp_bridge_mail_outbox_depth") == 1
    assert registry.get_sample_value("idp_bridge_mail_outbox_oldest_age_seconds") >= 1200
    assert registry.get_sample_value("idp_bridge_active_sessions") == 0
    assert registry.get_sample_value("idp_bridge_database_up") == 1
    assert b"idp_bridge_registrations_in_progress" in generate_latest(registry)


def test_metrics_database_down_answers_the_scrape(app: Flask) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:////nonexistent/dir/x.sqlite3"
    broken = Flask("broken")
    broken.config.update(app.config)
    db.init_app(broken)
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(broken))
    assert registry.get_sample_value("idp_bridge_database_up") == 0


def test_metrics_keycloak_operation_labels_carry_no_ids_keys_or_emails() -> None:
    realm = "provider-portal"
    assert operation("PUT", "/admin/realms/provider-portal/users/0b9a3c1e-1111-2222-3333-"
                     "444455556666/groups/1b9a3c1e-1111-2222-3333-444455556666", realm) \
        == "PUT /users/{id}/groups/{id}"
    assert operation("GET", "/admin/realms/provider-portal/group-by-path/provider-orgs/"
                     "1234567893-0f3e/site-admins", realm) == "GET /group-by-path/{path}"
    assert operation("GET", "/admin/realms/provider-portal/users?email=a%40b.test&exact=true",
                     realm) == "GET /users"


def test_metrics_readiness_gauges_name_the_failed_check(app: Flask) -> None:
    from idp_bridge.operations.metrics import ReadinessCollector

    app.config["IDP_KEYCLOAK_URL"] = "http://127.0.0.1:9"  # discard port: refused
    registry = CollectorRegistry()
    registry.register(ReadinessCollector(app))
    assert registry.get_sample_value("idp_bridge_ready") == 0
    assert registry.get_sample_value("idp_bridge_ready_check", {"check": "keycloak"}) == 0
    assert registry.get_sample_value("idp_bridge_ready_check", {"check": "mail"}) == 1
