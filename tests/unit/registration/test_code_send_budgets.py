"""Email code sends are budgeted per client address and in total per hour (issue 19 row 7):
one client used to send codes to 20 different addresses in 1.4 s, a fresh draft each."""

from __future__ import annotations

import html

from sqlalchemy import func, select

from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail

PERSON = {"first_name": "Avery", "last_name": "Stone", "phone": "608-555-0142",
          "job_title": "Office Manager", "opt_in": "in", "site_admin": "yes"}


def send_code(wizard, email: str) -> str:  # type: ignore[no-untyped-def]
    answer = wizard.post({**PERSON, "email": email, "action": "send_code"})
    return html.unescape(answer.get_data(as_text=True))


def codes_mailed(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return int(db.session.scalar(select(func.count(OutboundEmail.id))
                                     .where(OutboundEmail.kind == "email-code")) or 0)


def test_one_client_stops_at_its_budget_whatever_the_drafts_and_addresses(wizard_at, app):
    pages = [send_code(wizard_at("individual"), f"victim{i}@clinic.test") for i in range(25)]
    sent = [page for page in pages if "Please check your inbox" in page]
    refused = [page for page in pages if "Too many codes have been requested from this "
                                         "network. Please try again in 60 minutes." in page]
    assert (len(sent), len(refused)) == (20, 5)
    assert codes_mailed(app) == 20
    other_client = wizard_at("individual")
    other_client.client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
    assert "Please check your inbox" in send_code(other_client, "someone@clinic.test")


def test_all_clients_together_stop_at_the_hours_total(wizard_at, app):
    app.config.update(IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR=8)
    pages = []
    for index in range(12):
        wizard = wizard_at("individual")
        wizard.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{index + 1}"
        pages.append(send_code(wizard, f"person{index}@clinic.test"))
    assert ["Please check your inbox" in page for page in pages] == [True] * 8 + [False] * 4
    assert "We are sending too many codes right now" in pages[-1]
    assert codes_mailed(app) == 8
