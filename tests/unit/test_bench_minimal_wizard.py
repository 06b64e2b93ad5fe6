"""The registration benchmark's third side (issue 26): the minimal Flask wizard
(bench/minimal_wizard.py) refuses what a real wizard refuses, in the bridge's order, and its
figures reach the report beside the bridge's without breaking older result files. It runs
against the real Keycloak in the benchmark (``make bench``, quick mode in CI); here only what
needs no Keycloak."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bench import minimal_rp, minimal_wizard, registration, report
from idp_bridge.devstack.keycloak_server import inlined_methods
from tests.support.minimal_rp import SETTINGS


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    mails: list[tuple[str, str, str]] = []
    monkeypatch.setattr(minimal_wizard, "send_mail", lambda env, batch: mails.extend(batch))
    return mails


@pytest.fixture
def browser() -> Any:
    return minimal_rp.create_app(SETTINGS).test_client()


def _csrf(page: Any) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    return match.group(1)


def _at_individual(browser: Any) -> str:
    page = browser.get("/register", follow_redirects=True)
    token = _csrf(page)
    page = browser.post("/register/account", data={
        "csrf_token": token, "account_type": "individual", "npi": "1234567893",
        "tin": "41-5599001"})
    assert page.status_code == 302 and page.location.endswith("/register/individual")
    return token


PERSON = {"first_name": "Jordan", "last_name": "Baker", "phone": "608-555-0142",
          "job_title": "Office Manager", "email": "jordan@clinic.test", "opt_in": "in"}


def test_a_post_without_the_pages_csrf_token_is_refused(browser: Any):
    browser.get("/register", follow_redirects=True)
    page = browser.post("/register/account", data={
        "account_type": "individual", "npi": "1234567893", "tin": "41-5599001"})
    assert page.status_code == 400


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678931", "abcdefghij"])
def test_an_npi_failing_its_check_digit_keeps_the_account_step(browser: Any, npi: str):
    token = _csrf(browser.get("/register", follow_redirects=True))
    page = browser.post("/register/account", data={
        "csrf_token": token, "account_type": "individual", "npi": npi, "tin": "41-5599001"})
    assert page.status_code == 422 and "Check the NPI and TIN." in page.get_data(as_text=True)
    assert browser.get("/register/individual").location.endswith("/register")


def test_the_emailed_code_must_match_and_be_verified_before_continue(browser: Any, sent: list):
    token = _at_individual(browser)
    page = browser.post("/register/individual",
                        data={"csrf_token": token, "action": "send_code", **PERSON})
    assert page.status_code == 200 and sent[-1][0] == PERSON["email"]
    code = re.search(r"\d{6}", sent[-1][2])
    assert code
    wrong = f"{(int(code.group(0)) + 1) % 10**6:06d}"
    page = browser.post("/register/individual", data={
        "csrf_token": token, "action": "verify_code", "email_code": wrong, **PERSON})
    assert page.status_code == 422 and "That code is not right." in page.get_data(as_text=True)
    page = browser.post("/register/individual",
                        data={"csrf_token": token, "action": "continue", **PERSON})
    assert page.status_code == 422 and "Verify your email first." in page.get_data(as_text=True)
    app = browser.application
    kept = app.session_interface.get_signing_serializer(app).loads(
        browser.get_cookie("session").value)
    assert kept["code"] and code.group(0) not in str(kept)  # only its keyed hash


def test_a_step_out_of_order_goes_back_to_the_start(browser: Any):
    _at_individual(browser)
    assert browser.get("/register/password").location.endswith("/register")
    assert browser.get("/register/finish").location.endswith("/register")


def _side(keycloak: float, jit: float, bridge: float, rp: float,
          durable_rp: float = 0.0) -> dict[str, Any]:
    return {"wall_s_mean": 0.5, "cpu_s_total": keycloak + bridge + rp + durable_rp,
            "cpu_s_steady": keycloak - jit + bridge + rp + durable_rp,
            "cpu_s_per_registration": {"keycloak": keycloak, "keycloak_jit": jit,
                                       "bridge": bridge, "rp": rp, "durable_rp": durable_rp}}


def _measured(durable: bool = False) -> dict[str, Any]:
    out = {"keycloak_alone": _side(0.20, 0.05, 0.0, 0.0),
           "wizard": _side(0.19, 0.06, 0.08, 0.0),
           "minimal_wizard": _side(0.19, 0.06, 0.0, 0.04)}
    if durable:  # runs since the twelfth pass
        out["durable_wizard"] = _side(0.19, 0.06, 0.0, 0.0, durable_rp=0.05)
    out["cpu_added_fraction"] = 0.35
    out["cpu_added_fraction_steady"] = (0.21 - 0.15) / 0.15
    out["floor"] = registration._floor(out)
    return out


def test_the_floor_is_the_minimal_wizard_beside_keycloak_alone():
    floor = _measured()["floor"]
    assert floor["cpu_added_fraction"] == pytest.approx((0.23 - 0.20) / 0.20)
    assert floor["cpu_added_fraction_steady"] == pytest.approx((0.17 - 0.15) / 0.15)
    assert floor["bridge_vs_minimal"] == pytest.approx(2.0)


def test_the_report_sets_the_floor_under_the_registration_row():
    rows = report.rows({"sections": {"registration": _measured()}})
    assert len(rows) == 2 and rows[0][3] == "**short**"
    assert "minimal Flask wizard" in rows[1][0] and rows[1][3] == ""
    assert "15%; without Keycloak's JIT compiling 13%" in rows[1][1]
    assert "the bridge's own 80 ms = 2.00 × the minimal wizard's" in rows[1][1]


def test_the_durable_floor_is_set_under_the_minimal_one_when_the_run_measured_it():
    rows = report.rows({"sections": {"registration": _measured(durable=True)}})
    assert len(rows) == 3 and "keeping its state in the database" in rows[2][0]
    assert rows[2][3] == "" and "20%; without Keycloak's JIT compiling 20%" in rows[2][1]
    assert "the bridge's own 80 ms = 1.60 × the durable wizard's" in rows[2][1]


def test_the_registration_row_names_the_runs_password_hash():
    """The share moves with Keycloak's hash speed (21-60 ms on one VM): the row says it."""
    measured = _measured()
    measured["keycloak_alone"]["steps_ms_mean"] = {"admin: set password": 39.4}
    assert "Keycloak's password hash 39 ms" in report.rows(
        {"sections": {"registration": measured}})[0][1]
    assert "password hash" not in report.rows({"sections": {"registration": _measured()}})[0][1]
    assert "inlined" not in report.rows({"sections": {"registration": measured}})[0][1]


def test_the_registration_row_says_whether_keycloak_loaded_the_hash_fix():
    measured = _measured()
    measured["keycloak_alone"]["steps_ms_mean"] = {"admin: set password": 24.0}
    measured["keycloak_inlined"] = inlined_methods(
        "2026-12-07 INFO boot\n"
        "CompileCommand: inline org/bouncycastle/crypto/generators/Argon2BytesGenerator.F "
        "bool inline = true\n"
        "CompileCommand: inline org/bouncycastle/crypto/generators/Argon2BytesGenerator.F "
        "bool inline = true\n")
    assert measured["keycloak_inlined"] == [
        "org/bouncycastle/crypto/generators/Argon2BytesGenerator.F"]
    row = report.rows({"sections": {"registration": measured}})[0][1]
    assert "Keycloak's password hash 24 ms (its Blake2b steps inlined" in row
    measured["keycloak_inlined"] = inlined_methods("no compile commands at start\n")
    row = report.rows({"sections": {"registration": measured}})[0][1]
    assert "Keycloak's password hash 24 ms (the JIT's default" in row


def test_registration_results_from_before_the_floor_render_one_row():
    older = {k: v for k, v in _measured().items() if k not in ("floor", "minimal_wizard")}
    rows = report.rows({"sections": {"registration": older}})
    assert len(rows) == 1 and "minimal" not in rows[0][0]


# The durable minimal wizard (bench/minimal_store.py): the same wizard, its state in a database.


@pytest.fixture
def durable(tmp_path: Any) -> Any:
    """The durable wizard on SQLite, with the one organization the bench seeds (the bridge's
    two tables, as far as the wizard reads them)."""
    url = f"sqlite:///{tmp_path / 'bridge.sqlite3'}"
    app = minimal_rp.create_app({**SETTINGS, "MINIMAL_RP_DATABASE": url})
    db = app.extensions["minimal_db"]
    db.run("CREATE TABLE organizations (id INTEGER PRIMARY KEY, status VARCHAR(16))")
    db.run("CREATE TABLE organization_identifiers (organization_id INTEGER, npi VARCHAR(10),"
           " tin VARCHAR(9))")
    db.run("INSERT INTO organizations VALUES (7, 'active')")
    db.run("INSERT INTO organization_identifiers VALUES (7, '1234567893', '415599001')")
    return app.test_client()


def test_the_durable_wizard_keeps_no_state_in_the_cookie(durable: Any):
    _at_individual(durable)
    token = durable.get_cookie("minimal_session").value
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # a random token, nothing signed in it
    assert durable.get("/register/individual").status_code == 200


def test_the_durable_wizard_refuses_a_pair_no_organization_holds_and_counts_the_miss(
        durable: Any):
    token = _csrf(durable.get("/register", follow_redirects=True))
    page = durable.post("/register/account", data={
        "csrf_token": token, "account_type": "individual", "npi": "1234567893",
        "tin": "41-5599002"})
    assert page.status_code == 422 and "Check the NPI and TIN." in page.get_data(as_text=True)
    counts = dict(durable.application.extensions["minimal_db"].run(
        "SELECT key, count FROM minimal_rate_counters"))
    assert counts == {"pair:127.0.0.1": 1, "pair-npi:1234567893": 1}


def test_five_wrong_codes_void_the_durable_wizards_code(durable: Any, sent: list):
    token = _at_individual(durable)
    durable.post("/register/individual", data={"csrf_token": token, "action": "send_code",
                                               **PERSON})
    code = re.search(r"\d{6}", sent[-1][2])
    assert code
    wrong = f"{(int(code.group(0)) + 1) % 10**6:06d}"
    for _ in range(5):
        durable.post("/register/individual", data={
            "csrf_token": token, "action": "verify_code", "email_code": wrong, **PERSON})
    page = durable.post("/register/individual", data={
        "csrf_token": token, "action": "verify_code", "email_code": code.group(0), **PERSON})
    assert page.status_code == 422 and "That code is not right." in page.get_data(as_text=True)
