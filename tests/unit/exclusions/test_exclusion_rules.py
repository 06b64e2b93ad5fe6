"""The matching rules and the flag's state machine (pure; the clock frozen)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from idp_bridge.exclusions import flags
from idp_bridge.exclusions.matching import Candidate, Listing, matches, name_key

TODAY = date(2026, 12, 6)
NPI = "1588000012"


def listing(**values: object) -> Listing:
    base: dict[str, object] = {"source": "leie", "npi": NPI, "name": "PRAIRIE FAMILY MEDICINE SC",
                               "name_key": "PRAIRIE FAMILY MEDICINE", "state": "WI",
                               "exclusion_type": "1128b7", "excluded_on": date(2024, 1, 1)}
    return Listing(**{**base, **values})  # type: ignore[arg-type]


ORG = Candidate((NPI, "1588000020"), ("Prairie Family Medicine, S.C.", "Prairie Family Clinic"),
                "WI")


@pytest.mark.parametrize(("typed", "key"), [
    ("O'Brien Family Medicine, S.C.", "OBRIEN FAMILY MEDICINE"),
    ("ST. MARY\u2019S HOME CARE, INC.", "ST MARYS HOME CARE"),
    ("A & B Medical Supply, L.L.C.", "A AND B MEDICAL SUPPLY"),
    ("  The  Caf\u00e9 Clinic P.C. ", "CAFE CLINIC"),
    ("Smith-Jones Pharmacy (DBA SJ Rx)", "SMITH JONES PHARMACY SJ RX"),
    ("LLC", ""),
])
def test_exclusion_name_key_normalizes_punctuation_case_and_entity_words(typed: str, key: str
                                                                        ) -> None:
    assert name_key(typed) == key


def test_exclusion_exact_npi_in_force_is_a_blocking_match() -> None:
    [found] = matches(ORG, [listing()], TODAY)
    assert (found.exact, found.blocks, found.why) == (True, True, f"NPI {NPI}")


def test_exclusion_name_and_state_without_npi_is_a_possible_match_only() -> None:
    found = matches(ORG, [listing(npi=""), listing(npi="", state="IL"),
                          listing(npi="", name_key="PRAIRIE PEDIATRICS")], TODAY)
    assert [(m.exact, m.blocks, m.why) for m in found] == [(False, False, "name and state (WI)")]


def test_exclusion_ended_inactive_or_future_listings_do_not_match() -> None:
    ended = [listing(ended_on=date(2025, 1, 1)),  # LEIE reinstated / SAM terminated
             listing(ended_on=TODAY),  # ends today: no longer in force
             listing(source="sam", record_active=False),
             listing(excluded_on=date(2027, 1, 1))]  # not yet in force
    assert matches(ORG, ended, TODAY) == []
    still = matches(ORG, [listing(source="sam", ended_on=date(2099, 12, 31))], TODAY)
    assert [m.exact for m in still] == [True]


def test_exclusion_leie_waiver_in_the_organizations_state_is_a_possible_match() -> None:
    waived = listing(waiver_on=date(2024, 2, 1), waiver_state="WI")
    [found] = matches(ORG, [waived], TODAY)
    assert (found.exact, found.why) == (False, f"NPI {NPI}, waived in WI")
    elsewhere = listing(waiver_on=date(2024, 2, 1), waiver_state="IL")
    assert [m.exact for m in matches(ORG, [elsewhere], TODAY)] == [True]


def test_exclusion_matches_come_first_then_possible_matches() -> None:
    found = matches(ORG, [listing(npi="", source="sam"), listing(source="leie")], TODAY)
    assert [m.exact for m in found] == [True, False]


# The flag's state machine, with a frozen clock --------------------------------------------

T0 = datetime(2026, 12, 1, 9, 0)
T1 = datetime(2026, 12, 2, 10, 30)


def frozen(at: datetime):  # noqa: ANN201
    return lambda: at


def test_exclusion_flag_raised_holds_access_only_with_the_setting() -> None:
    assert flags.raised(T0, suspend_on_flag=False) == flags.FlagState("open", False, T0)
    assert flags.raised(T0, suspend_on_flag=True).holds_access is True


def test_exclusion_flag_keep_and_suspend_need_a_note_and_stamp_the_clock() -> None:
    flag = flags.raised(T0, suspend_on_flag=True)
    with pytest.raises(flags.TransitionRefused, match="a note is required"):
        flags.move(flag, "keep", frozen(T1), note="   ")
    kept = flags.move(flag, "keep", frozen(T1), note="NPI replaced by 1588000020")
    assert (kept.state, kept.holds_access, kept.changed_at, kept.note) == (
        "kept", False, T1, "NPI replaced by 1588000020")
    suspended = flags.move(kept, "suspend", frozen(T1), note="confirmed on the LEIE")
    assert (suspended.state, suspended.holds_access) == ("suspended", True)
    with pytest.raises(flags.TransitionRefused, match="at most 2,000"):
        flags.move(flag, "keep", frozen(T1), note="x" * 2001)


def test_deactivation_flag_clears_from_any_standing_state_and_reopens() -> None:
    for state in flags.STANDING:
        cleared = flags.move(flags.FlagState(state, state == "suspended", T0), "clear",
                             frozen(T1))
        assert (cleared.state, cleared.holds_access, cleared.changed_at) == (
            "cleared", False, T1)
    reopened = flags.move(flags.FlagState("cleared", False, T0), "reopen", frozen(T1),
                          suspend_on_flag=True)
    assert (reopened.state, reopened.holds_access) == ("open", True)


@pytest.mark.parametrize(("state", "event"), [
    ("cleared", "keep"), ("cleared", "suspend"), ("cleared", "clear"), ("kept", "keep"),
    ("suspended", "suspend"), ("open", "reopen"), ("open", "delete")])
def test_exclusion_flag_refuses_moves_that_do_not_apply(state: str, event: str) -> None:
    with pytest.raises(flags.TransitionRefused):
        flags.move(flags.FlagState(state, False, T0), event, frozen(T1), note="why")


def test_exclusion_npi_check_digit_agrees_with_cms_rule() -> None:
    import random

    from stdnum import luhn

    from idp_bridge.exclusions.files import npi_or_blank

    assert npi_or_blank("1234567893") == ("1234567893", False)  # CMS's worked example
    assert npi_or_blank("1234567898") == ("", True)
    assert npi_or_blank("0000000000") == npi_or_blank(" ") == ("", False)
    assert npi_or_blank("12345 6789") == ("", True)
    rng = random.Random(23)  # noqa: S311
    for _ in range(5_000):
        number = f"{rng.randrange(10**10):010d}"
        assert (npi_or_blank(number)[0] == number) == luhn.is_valid("80840" + number)
