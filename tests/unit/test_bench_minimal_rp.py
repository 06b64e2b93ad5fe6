"""The sign-in benchmark's third side (issue 26): the minimal Flask relying party
(bench/minimal_rp.py) is as strict as a real one, and its figures reach the report without
breaking the table of older result files that lack them."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from bench import minimal_rp, report
from bench.signin import Rotation, _level, _package, _where
from tests.support.minimal_rp import SETTINGS


def _app_knowing_keycloak() -> Any:
    """The RP with Keycloak's discovery document already loaded (no Keycloak here)."""
    app = minimal_rp.create_app(SETTINGS)
    client = app.extensions["authlib.integrations.flask_client"].create_client("keycloak")
    client.server_metadata.update({
        "_loaded_at": 0, "issuer": SETTINGS["MINIMAL_RP_ISSUER"],
        "authorization_endpoint": SETTINGS["MINIMAL_RP_ISSUER"] + "/protocol/openid-connect/auth",
        "token_endpoint": SETTINGS["MINIMAL_RP_ISSUER"] + "/protocol/openid-connect/token"})
    return app


def test_the_minimal_rp_refuses_to_start_without_its_settings():
    with pytest.raises(RuntimeError, match="MINIMAL_RP_CLIENT_SECRET"):
        minimal_rp.create_app({**SETTINGS, "MINIMAL_RP_CLIENT_SECRET": ""})


def test_its_login_asks_keycloak_for_the_code_flow_with_state_nonce_and_pkce():
    answer = _app_knowing_keycloak().test_client().get("/login")
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["idp-bridge"]
    assert query["redirect_uri"] == ["http://127.0.0.1:2/auth/callback"]
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]


def test_a_callback_with_a_state_this_browser_never_got_signs_nobody_in():
    browser = _app_knowing_keycloak().test_client()
    browser.get("/login")  # a real pending sign-in, but not this state
    answer = browser.get("/auth/callback?code=stolen&state=someone-elses")
    assert answer.status_code == 500  # authlib's MismatchingStateError, before any token call
    assert browser.get("/").get_data(as_text=True) == "Not signed in"


def _side(per_second: float, cpu: dict[str, float]) -> dict[str, Any]:
    return {"wall": 10.0, "latencies": [0.1] * int(per_second * 10),
            "cpu": {k: v * per_second * 10 / 1000 for k, v in cpu.items()}, "steps": {}}


def _level_of(*, with_rp: bool) -> dict[str, Any]:
    totals = {"keycloak_alone": _side(10, {"keycloak": 90, "bridge": 0, "rp": 0, "client": 8}),
              "bridge": _side(9, {"keycloak": 95, "bridge": 10, "rp": 0, "client": 10})}
    if with_rp:
        totals["minimal_rp"] = _side(9.5, {"keycloak": 95, "bridge": 0, "rp": 4, "client": 10})
    rotation = Rotation([{"id": "p"}], 1)
    rotation.min_gap = 0.5
    return _level(totals, rotation)


def test_the_minimal_rps_capacity_and_cpu_are_set_beside_the_bridges():
    level = _level_of(with_rp=True)
    assert level["server_cpu_ratio"] == pytest.approx(90 / (95 + 10))
    assert level["minimal_rp"]["server_cpu_ratio"] == pytest.approx(90 / (95 + 4))
    assert level["minimal_rp"]["throughput_ratio"] == pytest.approx(0.95)
    assert level["bridge_vs_minimal_rp"] == pytest.approx(
        {"bridge_cpu_ms": 10, "minimal_rp_cpu_ms": 4, "ratio": 2.5})


def test_the_rp_with_its_session_in_the_database_is_set_beside_them_as_a_second_floor():
    totals = {"keycloak_alone": _side(10, {"keycloak": 90, "client": 8}),
              "bridge": _side(9, {"keycloak": 95, "bridge": 10, "client": 10}),
              "minimal_rp": _side(9.5, {"keycloak": 95, "rp": 4, "client": 10}),
              "durable_rp": _side(9.4, {"keycloak": 95, "durable_rp": 5, "client": 10})}
    level = _level(totals, Rotation([{"id": "p"}], 1))
    assert level["durable_rp"]["server_cpu_ratio"] == pytest.approx(90 / (95 + 5))
    assert level["bridge_vs_durable_rp"] == pytest.approx(
        {"bridge_cpu_ms": 10, "durable_rp_cpu_ms": 5, "ratio": 2.0})
    rows = [r for r in report.rows(_results(level)) if "database row" in r[0]]
    assert len(rows) == 2 and "the RP 5.0 ms" in rows[0][1]
    assert "the bridge's own 10.0 ms = 2.00 × the durable RP's" in rows[0][1]


def _results(level: dict[str, Any]) -> dict[str, Any]:
    return {"sections": {"signin": {"clients_1": level, "clients_4": level}}}


def test_the_report_adds_a_minimal_rp_row_per_level():
    rows = report.rows(_results(_level_of(with_rp=True)))
    assert not any("could not summarise" in measured for _, measured, _, _ in rows)
    floor = [r for r in rows if "minimal Flask RP" in r[0]]
    assert [r[0].rsplit(", ", 1)[1].split(":")[0] for r in floor] == ["1 client(s)",
                                                                      "4 client(s)"]
    assert "0.91 ×" in floor[0][1] and "the RP 4.0 ms" in floor[0][1]
    assert "the bridge's own 10.0 ms = 2.50 × the minimal RP's" in floor[0][1]


def test_results_from_before_the_minimal_rp_render_as_before():
    rows = report.rows(_results(_level_of(with_rp=False)))
    assert len(rows) == 2 and all("minimal" not in r[0] for r in rows)
    assert not any("could not summarise" in measured for _, measured, _, _ in rows)


def test_profiled_functions_are_counted_by_where_they_live():
    assert _package("/v/lib/python3.11/site-packages/authlib/jose/x.py") == "authlib"
    assert _package("/usr/lib/python3.11/http/client.py") == "standard library"
    assert _package("~") == "built-ins (C)"
    assert _package("/work/bench/minimal_rp.py") == "minimal_rp.py"


def test_profiled_functions_are_named_with_their_file_even_without_a_folder():
    assert _where("/v/site-packages/authlib/oauth2/client.py", 7, "fetch_token") == \
        "fetch_token  (oauth2/client.py:7)"
    assert _where("~", 0, "decode") == "decode  (~:0)"


def _level_with_requests(requests_per_sign_in: dict[str, float],
                         bridge_p50: float = 0.1) -> dict[str, Any]:
    totals = {"keycloak_alone": _side(10, {"keycloak": 90, "bridge": 0, "rp": 0, "client": 8}),
              "bridge": _side(9, {"keycloak": 99, "bridge": 3, "rp": 0, "client": 10}),
              "minimal_rp": _side(9.5, {"keycloak": 96, "bridge": 0, "rp": 2, "client": 10})}
    for side, t in totals.items():
        t["keycloak_requests"] = requests_per_sign_in[side] * len(t["latencies"])
    totals["bridge"]["latencies"] = [bridge_p50] * len(totals["bridge"]["latencies"])
    rotation = Rotation([{"id": "p"}], 1)
    rotation.min_gap = 0.5
    return _level(totals, rotation)


SAME = {"keycloak_alone": 9, "bridge": 9, "minimal_rp": 9}


def test_keycloaks_cpu_is_pooled_over_the_sides_when_each_asked_it_the_same():
    level = _level_with_requests(SAME)
    pooled = (90 * 100 + 99 * 90 + 96 * 95) / (100 + 90 + 95)
    assert level["keycloak_cpu_ms_pooled"] == pytest.approx(pooled)
    assert level["server_cpu_ratio_pooled"] == pytest.approx(pooled / (pooled + 3))
    assert level["minimal_rp"]["server_cpu_ratio_pooled"] == pytest.approx(pooled / (pooled + 2))
    assert level["server_cpu_ratio"] == pytest.approx(90 / (99 + 3))  # side by side, kept


def test_a_side_that_asked_keycloak_for_more_is_not_pooled():
    level = _level_with_requests({**SAME, "bridge": 10})
    assert "server_cpu_ratio_pooled" not in level
    assert level["keycloak_requests_per_sign_in"]["bridge"] == 10


def test_one_client_is_judged_on_capacity_and_the_p50_the_bridge_adds():
    def verdict(level: dict[str, Any]) -> tuple[str, str]:
        row = report.rows(_results(level))[0]
        return row[1], row[3]

    measured, judged = verdict(_level_with_requests(SAME))  # +0 ms, pooled ≈ 0.97
    assert judged == "met" and measured.startswith("0.97 × (Keycloak's CPU per sign-in pooled")
    assert "side by side 0.88 ×" in measured and "p50 +0 ms" in measured
    assert verdict(_level_with_requests(SAME, bridge_p50=0.115))[1] == "**short**"  # +15 ms
    # Unequal requests: judged side by side (0.88 ×), whatever the p50.
    assert verdict(_level_with_requests({**SAME, "bridge": 10}))[1] == "**short**"


def _level_with_jit(jit: dict[str, float]) -> dict[str, Any]:
    cpu = {"keycloak_alone": {"keycloak": 90, "bridge": 0, "rp": 0, "client": 8},
           "bridge": {"keycloak": 99, "bridge": 3, "rp": 0, "client": 10},
           "minimal_rp": {"keycloak": 96, "bridge": 0, "rp": 2, "client": 10}}
    rates = {"keycloak_alone": 10, "bridge": 9, "minimal_rp": 9.5}
    totals = {side: _side(rates[side], {**cpu[side], "keycloak_jit": jit[side]})
              for side in cpu}
    for t in totals.values():
        t["keycloak_requests"] = 9 * len(t["latencies"])
    rotation = Rotation([{"id": "p"}], 1)
    rotation.min_gap = 0.5
    return _level(totals, rotation)


def test_the_steady_ratio_leaves_out_what_keycloaks_compiler_spent_on_every_side():
    level = _level_with_jit({"keycloak_alone": 30, "bridge": 20, "minimal_rp": 25})
    pooled = (90 * 100 + 99 * 90 + 96 * 95) / 285
    jit = (30 * 100 + 20 * 90 + 25 * 95) / 285
    assert level["keycloak_jit_ms_pooled"] == pytest.approx(jit)
    assert level["server_cpu_ratio_steady"] == pytest.approx((pooled - jit) / (pooled - jit + 3))
    assert level["minimal_rp"]["server_cpu_ratio_steady"] == pytest.approx(
        (pooled - jit) / (pooled - jit + 2))
    # Less of Keycloak's CPU to set the bridge's against: the steady ratio is the lower one.
    assert level["server_cpu_ratio_steady"] < level["server_cpu_ratio_pooled"]
    measured = report.rows(_results(level))[0][1]
    assert f"without the {jit:.0f} ms of it Keycloak's JIT compiler spent, " \
           f"{level['server_cpu_ratio_steady']:.2f} ×" in measured


def test_results_from_before_the_jit_split_render_without_it():
    level = _level_with_requests(SAME)
    assert "server_cpu_ratio_steady" not in level
    assert "JIT" not in report.rows(_results(level))[0][1]
