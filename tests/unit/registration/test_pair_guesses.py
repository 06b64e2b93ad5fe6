"""NPI/TIN lookups are budgeted (issue 19 row 6): with an organization's public NPI, each
wrong TIN used to be answered at once, and the right one moved the draft on. Now at most the
limit of misses is evaluated per draft, per client address and per NPI; the rest are refused
with a clear message, the right TIN included (no oracle left)."""

from __future__ import annotations

import html

from idp_bridge.messages import message
from tests.support.drafts import REGISTERED_ORG

GUESSES = [f"39-{1588100 + i}" for i in range(40)]  # well-formed TINs, none of them right
REFUSED = "Too many NPI and TIN combinations that did not match were tried"


def answer(response) -> str:  # type: ignore[no-untyped-def]
    page = html.unescape(response.get_data(as_text=True))
    if message("org.not_registered") in page:
        return "evaluated"
    if REFUSED in page:
        return "refused"
    return page


def guess(wizard, tin: str, npi: str = REGISTERED_ORG["npi"]) -> str:  # type: ignore[no-untyped-def]
    return answer(wizard.post({"account_type": "individual", "npi": npi, "tin": tin}))


def test_forty_guesses_on_one_draft_evaluate_five(wizard_at):
    wizard = wizard_at("account")
    answers = [guess(wizard, tin) for tin in GUESSES]
    assert answers == ["evaluated"] * 5 + ["refused"] * 35
    assert "restart registration" in html.unescape(wizard.last.get_data(as_text=True))
    # The right TIN is refused too: the limit is no oracle.
    assert guess(wizard, REGISTERED_ORG["tin"]) == "refused"
    assert wizard.draft().step == "account"


def test_fresh_drafts_from_one_address_stop_at_the_address_budget(wizard_at, app):
    app.config.update(IDP_PAIR_MISSES_PER_NPI_PER_HOUR=100)
    answers = [guess(wizard_at("account"), tin) for tin in GUESSES]
    assert answers == ["evaluated"] * 20 + ["refused"] * 20
    page = html.unescape(wizard_at("account").post(
        {"account_type": "individual", "npi": REGISTERED_ORG["npi"],
         "tin": GUESSES[0]}).get_data(as_text=True))
    assert "please try again in 60 minutes" in page


def test_guesses_at_one_npi_from_many_addresses_stop_at_the_npi_budget(wizard_at):
    answers = []
    for index, tin in enumerate(GUESSES):
        wizard = wizard_at("account")
        wizard.client.environ_base["REMOTE_ADDR"] = f"198.51.100.{index + 1}"
        answers.append(guess(wizard, tin))
    assert answers == ["evaluated"] * 20 + ["refused"] * 20


def test_the_right_pair_costs_nothing_and_shape_errors_are_no_lookup(wizard_at, app):
    app.config.update(IDP_PAIR_MISSES_PER_DRAFT=2, IDP_PAIR_MISSES_PER_NPI_PER_HOUR=2)
    wizard = wizard_at("account")
    for _ in range(3):
        page = html.unescape(wizard.post({"account_type": "individual",
                                          "npi": REGISTERED_ORG["npi"],
                                          "tin": "12-34"}).get_data(as_text=True))
        assert REFUSED not in page
    assert guess(wizard, GUESSES[0]) == "evaluated"  # one of the two misses allowed
    moved = wizard.post({"account_type": "individual", **REGISTERED_ORG})
    assert moved.status_code == 302  # found: the guide's way on, as before
    for _ in range(5):  # hits give their lookup back: others who know the pair go on
        other = wizard_at("account")
        assert other.post({"account_type": "individual", **REGISTERED_ORG}).status_code == 302
