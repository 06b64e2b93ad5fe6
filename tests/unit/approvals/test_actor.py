"""The actor is resolved once per request and handed to the audit log explicitly: the audit
service never reads the session, and a page that does not show organizations reads none."""

from __future__ import annotations

from flask import render_template_string, session
from sqlalchemy import event

from idp_bridge import audit
from idp_bridge.auth import current_actor
from idp_bridge.extensions import db

ALICE = {"sub": "alice-id", "email": "alice@clinic.test", "name": "Alice", "roles": []}


def test_the_actor_is_whoever_the_caller_names_not_the_session(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.7"}):
        session["user"] = ALICE
        by_alice = audit.record("test.by-alice", actor=current_actor())
        by_system = audit.record("test.by-system")  # a job: nobody, whatever the session
        db.session.commit()
        assert (by_alice.actor_id, by_alice.actor_email, by_alice.ip) == (
            "alice-id", "alice@clinic.test", "203.0.113.7")
        assert (by_system.actor_id, by_system.actor_email, by_system.ip,
                by_system.user_agent) == ("", "", "", "cli")
        assert audit.verify_chain() == (True, None)


def test_the_actor_is_resolved_once_per_request(app):
    with app.test_request_context():
        session["user"] = ALICE
        first = current_actor()
        session["user"] = {**ALICE, "sub": "someone-else"}
        assert current_actor() is first


def _membership_queries(app, template: str) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if "memberships" in statement:
            seen.append(statement)

    with app.test_request_context():
        engine = db.engine
        session["user"] = ALICE
        event.listen(engine, "before_cursor_execute", count)
        try:
            render_template_string(template)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_page_without_the_switcher_reads_no_memberships(app):
    assert _membership_queries(app, "<p>{{ brand.portal_name }}</p>") == 0


def test_the_switcher_reads_memberships_once(app):
    template = "{% if org_choices %}{% for c in org_choices %}{{ c.name }}{% endfor %}{% endif %}" \
               "{{ current_org.key if current_org else '' }}"
    assert _membership_queries(app, template) == 1
