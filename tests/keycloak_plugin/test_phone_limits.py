"""Issue 19 row 4: phone enrollment cannot be used to pump texts and calls. Against the real
Keycloak with the plugin: numbers outside the plan's regions (and premium-rate ones) are
refused on the phone screen before anything is sent, and the sends of many logins from one
client address stop at the address's hourly budget (counted in Keycloak's cluster-wide
single-use store; the rule itself: SendBudgetTest, PhoneRegionsTest)."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from requests.adapters import HTTPAdapter

from tests.keycloak_plugin.pages import (
    Browser,
    alert,
    browser,
    count,
    login_theme,
    new_number,
    new_user,
    realm_attributes,
    request_code,
)

pytestmark = pytest.mark.keycloak

REGION_REFUSAL = ("Security codes can be sent only to phone numbers in the United States and "
                  "its territories (Puerto Rico, Guam, the U.S. Virgin Islands, American Samoa, "
                  "Northern Mariana Islands). Toll-free, premium-rate (900) and other "
                  "non-geographic numbers cannot be used.")
TOO_MANY = "Too many codes have been requested. Please try again later."
# The ten numbers one password-only login had called in a minute (valid numbers there).
TEN_NUMBERS = ["+44 7400 123456", "+882 34 21234", "+371 21 234 567", "+234 802 123 4567",
               "+64 21 123 4567", "+49 1512 3456789", "+55 11 96123-4567",
               "+998 91 234 56 78", "+964 791 234 5678", "+225 01 23 45 6789"]
# Inside +1 but not the United States: Jamaica, the Dominican Republic; and premium-rate.
NOT_US = ["+1 876-210-1234", "+1 809-234-5678", "900-555-1234"]


def e164(typed: str) -> str:
    digits = "".join(c for c in typed if c.isdigit())
    return "+" + digits if typed.startswith("+") else "+1" + digits


@pytest.mark.parametrize("brand", ["dean", "wellfirst"])
def test_numbers_outside_the_plans_regions_are_refused_on_the_phone_screen(
        keycloak, outbox, brand):
    email, _ = new_user(keycloak)
    http = browser(keycloak)
    with login_theme(keycloak.admin, keycloak.realm, brand):
        page = http.sign_in(email)
        assert 'id="kc-phone-form"' in page.text
        for typed in TEN_NUMBERS + NOT_US:
            before = count(outbox, e164(typed))
            page = request_code(http, page, "voice", typed)
            assert alert(page) == REGION_REFUSAL, (typed, alert(page))
            assert f'value="{typed}"' in page.text  # what was typed is kept
            assert count(outbox, e164(typed)) == before  # no call, no text
        # A number of the United States still gets its code.
        typed, number = new_number()
        page = request_code(http, page, "sms", typed)
        assert "was sent" in alert(page), alert(page)


class FromAddress(HTTPAdapter):
    """Connections from one loopback address (127.0.0.0/8 is all this host's): Keycloak sees
    that address as the client's, as it would a provider's office behind one NAT."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def browser_at(keycloak: Any, address: str) -> Browser:
    http = browser(keycloak)
    http.mount("http://", FromAddress(address))
    return http


def test_the_sends_of_many_logins_from_one_address_stop_at_its_budget(keycloak, outbox):
    address = f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250) + 1}.2"
    answers = []
    sent_to = []
    with realm_attributes(keycloak.admin, keycloak.realm, phoneMaxSendsPerAddressPerHour="3"):
        for _ in range(6):  # six fresh logins, each with its own new number
            email, _ = new_user(keycloak)
            http = browser_at(keycloak, address)
            page = http.sign_in(email)
            assert 'id="kc-phone-form"' in page.text
            typed, number = new_number()
            answers.append(alert(request_code(http, page, "voice", typed)))
            sent_to.append(count(outbox, number))
        assert ["was sent" in a or "on its way" in a for a in answers] == [True] * 3 + [False] * 3
        assert answers[3:] == [TOO_MANY] * 3
        assert sent_to == [1, 1, 1, 0, 0, 0]  # no call placed past the budget
        # Someone at another address is not held up by that office's budget.
        email, _ = new_user(keycloak)
        other = browser_at(keycloak, address[:-1] + "3")
        typed, _ = new_number()
        assert "was sent" in alert(request_code(other, other.sign_in(email), "sms", typed))
