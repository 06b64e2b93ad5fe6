"""Issue 12 row 1: the mail server is down while a member registers, is approved and gets a
role; once it is back every expected email arrives, each exactly once."""

from __future__ import annotations

from collections import Counter

import pytest

from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.outbox.mail_sink import MailSink
from tests.support.consoles import csrf_of, email, post_form, signed_in
from tests.support.waiting import wait_until
from tests.support.wizard import PASSWORD, WizardClient, person, sign_in_and_finish

pytestmark = pytest.mark.keycloak


def _restart(sink: MailSink) -> None:
    fresh = MailSink(str(sink.outbox.directory), sink.host, sink.port)
    sink._controller = fresh._controller  # noqa: SLF001  (the session's sink, back on its port)
    sink.start()


def _tried(live_app, address: str, times: int) -> bool:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        db.session.remove()
        rows = [r for r in OutboundEmail.query.filter(OutboundEmail.to == address)
                if "code" not in r.subject]
        return bool(rows) and all(r.status == "pending" and r.attempts >= times for r in rows)


def _pending(live_app, addresses: set[str]) -> list[int]:  # type: ignore[no-untyped-def]
    with live_app.app_context():
        db.session.remove()
        return [r.id for r in OutboundEmail.query.filter(OutboundEmail.to.in_(addresses),
                                                         OutboundEmail.status == "pending")]


def _subjects(outbox, address: str) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(m.subject or "" for m in outbox.messages(to=address, channel="email"))


def test_every_email_arrives_once_after_a_mail_outage(
        bridge, live_app, outbox, mail_sink, deliverer, plan_admin, new_registered_org,
        tracked, check):
    org = new_registered_org()
    tracked.org_keys.add(org["key"])
    with live_app.app_context():
        oid = Organization.query.filter_by(key=org["key"]).one().id
    post_form(signed_in(bridge, plan_admin["email"]), bridge, f"/admin/organizations/{oid}",
              f"/admin/organizations/{oid}/approve", {"note": "ok"})
    admin_http = signed_in(bridge, org["admin"])
    member = email("outage")
    tracked.emails.add(member)
    wizard = WizardClient(bridge, outbox)
    wizard.account("individual", org["npi"], org["tin"])
    wizard.individual(person(member), site_admin=False)  # the code came while mail was up
    # The organization's approval mail goes through the deliverer: let it arrive before the
    # snapshot, or it lands after the outage and reads as one mail too many.
    wait_until(lambda: not _pending(live_app, {member, org["admin"]}), what="a quiet queue")
    before = {member: _subjects(outbox, member), org["admin"]: _subjects(outbox, org["admin"])}

    mail_sink.stop()
    try:
        wizard.password(PASSWORD)
        sign_in_and_finish(wizard, member)
        assert wizard.step == "complete"
        with live_app.app_context():
            mid = Membership.query.filter_by(email=member).one().id
        members = f"/org/{org['key']}/members"
        for action, data in (("approve", {}), ("grant-role", {"role": "claims"})):
            done = post_form(admin_http, bridge, members, f"{members}/{mid}/{action}", data)
            assert 'class="flash success"' in done.text
        # The deliverer retries (and fails): every one of the member's mails but the code
        # was tried at least twice while the sink was down.
        wait_until(lambda: _tried(live_app, member, 2), what="the deliverer's retries")
        page = signed_in(bridge, plan_admin["email"]).get(f"{bridge}/admin/mail", timeout=30)
        assert page.status_code == 200 and member in page.text  # the plan admin sees it
        assert admin_http.get(f"{bridge}/admin/mail", timeout=30).status_code == 403
        assert _subjects(outbox, member) == before[member]  # nothing could arrive
    finally:
        _restart(mail_sink)

    expected = {
        member: Counter({"Dean Health Plan Provider Portal registration received": 1,
                         "Dean Health Plan Provider Portal: access approved": 1,
                         "Dean Health Plan Provider Portal: your access changed": 1}),
        org["admin"]: Counter({"New user registration to review": 1}),
    }
    wait_until(lambda: all(_subjects(outbox, who) - before[who] == want
                           for who, want in expected.items()), what="every expected email")
    # And nothing more arrives, each exactly once: nothing is left to send to either of them,
    # and a whole deliverer pass that began after that found nothing more.
    wait_until(lambda: not _pending(live_app, set(expected)), what="an empty queue")
    deliverer.wait_full_pass()
    for who, want in expected.items():
        assert _subjects(outbox, who) - before[who] == want, who
    with live_app.app_context():
        db.session.remove()
        rows = OutboundEmail.query.filter(OutboundEmail.to == member).all()
        assert {r.status for r in rows} == {"sent"}
        assert all(r.attempts >= 2 for r in rows if "code" not in r.subject)  # were retried
    page = signed_in(bridge, plan_admin["email"]).get(f"{bridge}/admin/mail", timeout=30)
    assert member not in page.text
    assert csrf_of(page.text)  # (a page, not an error)
    check()


def test_a_code_sent_while_mail_is_down_arrives_when_it_is_back(
        bridge, outbox, mail_sink, deliverer, fresh_org):
    org = fresh_org()
    wizard = WizardClient(bridge, outbox)
    wizard.account("organization", org["npi"], org["tin"])
    wizard.answer_questionnaire()
    wizard.organization()
    who = person(email("late-code"))
    mail_sink.stop()
    try:
        page = wizard.send_code(who)
        assert page.status_code < 500 and "will arrive within a few minutes" in page.text
        assert 'value="Jordan"' in page.text  # what was typed is kept
    finally:
        _restart(mail_sink)
    code = outbox.latest(who["email"], channel="email", timeout=30).code
    assert "Email Validated Successfully" in wizard.verify_email(who, code).text
    assert outbox.count(who["email"], channel="email") == 1
