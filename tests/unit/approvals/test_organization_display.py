"""What consoles and exports print: one address formatter, phones as dialled, the Opt In/Out
choice in the guide's words, NUCC descriptions next to taxonomy codes."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest

from idp_bridge.npi.registry import Address, Taxonomy
from idp_bridge.npi.taxonomy import describe
from idp_bridge.organizations.addresses import format_address
from idp_bridge.organizations.display import format_phone, opt_in_label, role_names
from idp_bridge.organizations.export import memberships_csv


@pytest.mark.parametrize(("parts", "shown"), [
    (("3300 GALLOWS RD", "", "FALLS CHURCH", "VA", "220423300"),
     "3300 GALLOWS RD, FALLS CHURCH, VA 22042"),
    (("3300 GALLOWS RD ", "  ", "FALLS CHURCH", "VA", "22042"),
     "3300 GALLOWS RD, FALLS CHURCH, VA 22042"),
    (("1 MAIN ST", "SUITE 2", "MADISON", "WI", "53703"), "1 MAIN ST SUITE 2, MADISON, WI 53703"),
])
def test_an_address_has_no_stray_space_before_a_comma(parts, shown):
    assert format_address(*parts) == shown


def test_the_registry_and_the_review_page_format_addresses_alike():
    address = Address("3300 GALLOWS RD", "", "FALLS CHURCH", "VA", "220423300", "LOCATION")
    assert address.label() == format_address("3300 GALLOWS RD", "", "FALLS CHURCH", "VA",
                                              "220423300")


def test_phones_read_as_dialled_and_odd_values_stay_as_stored():
    assert format_phone("+16085550142") == "(608) 555-0142"
    assert format_phone("+442079460000").startswith("+44 20")
    assert format_phone("call the front desk") == "call the front desk"
    assert format_phone("") == ""


def test_the_opt_in_choice_in_the_guides_words():
    assert [opt_in_label(v) for v in (True, False, None)] == ["Opt In", "Opt Out",
                                                               "Not recorded"]


def test_role_names_in_the_portals_order():
    assert role_names(["remittance", "claims", "unknown"]) == ["Claims", "Remittance"]


def test_a_taxonomy_code_is_shown_with_its_nucc_description():
    assert describe("208M00000X") == "Hospitalist"
    assert describe("2084p0800x") == "Psychiatry & Neurology, Psychiatry"
    assert Taxonomy("208M00000X", "", primary=True).label() == "208M00000X HOSPITALIST"
    assert Taxonomy("ZZZ", "", primary=True).label() == "ZZZ"  # unknown: the bare code


def test_every_taxonomy_code_in_the_offline_sample_has_a_description():
    from idp_bridge.npi.offline import SAMPLE_NPIDATA

    with SAMPLE_NPIDATA.open(encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        columns = [i for i, name in enumerate(header)
                   if name.startswith("Healthcare Provider Taxonomy Code_")]
        codes = {row[i] for row in rows for i in columns if row[i]}
    assert codes and not [c for c in codes if not describe(c)]


def test_the_members_export_is_spreadsheet_safe_and_carries_the_choice():
    organization = SimpleNamespace(name="=EVIL()", key="1588000012-391588001")
    member = SimpleNamespace(
        organization=organization, first_name="Jordan", last_name="Baker",
        email="j@clinic.test", phone="+16085550142", job_title="Office Manager",
        status="approved", is_site_admin=True, roles=["claims"],
        communications_opt_in=False, requested_at=SimpleNamespace(isoformat=lambda: "t"),
        user_id="u-1", decided_by="=cmd|x", decided_at=None)
    row = next(csv.DictReader(io.StringIO(memberships_csv([member], lambda ids: {}))))
    assert (row["last_sign_in"], row["decided_by"]) == ("never", "'=cmd|x")
    assert row["organization"] == "'=EVIL()"
    assert (row["phone"], row["roles"], row["electronic_communications"]) == (
        "(608) 555-0142", "Claims", "Opt Out")


def test_a_phone_extension_is_shown_with_the_number():
    """Issue 21 row 7: the extension typed at registration is stored and shown."""
    assert format_phone("+16085550142;ext=123") == "(608) 555-0142 ext. 123"
