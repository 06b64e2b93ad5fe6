"""Fast checks of the pure security rules (no Keycloak): redirect targets, CSV cells,
headers over https, the server-side session cookie."""

from __future__ import annotations

import pytest

from idp_bridge import create_app
from idp_bridge.audit.csv_export import spreadsheet_safe
from idp_bridge.auth.redirects import is_safe_path, safe_next
from idp_bridge.extensions import db

OFF_SITE = [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "/\t/evil.example/",
    "/%09/evil.example/", "/%2F/evil.example/", "\\\\evil.example/", "/%5Cevil.example",
    "/%2f%2fevil.example", "/%252F%252Fevil.example", "/\n/evil.example", "javascript:alert(1)",
    "http:/evil.example", "evil.example", "", "/" + "a" * 3000, None, ["/"],
]
ON_SITE = ["/", "/org/abc/members", "/org/abc/members?page=2&q=smith", "/register/account"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_fall_back_home(target):
    assert not is_safe_path(target)
    assert safe_next(target, "/") == "/"


@pytest.mark.parametrize("target", ON_SITE)
def test_local_paths_are_kept(target):
    assert safe_next(target, "/home") == target


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_plain_cells_are_unchanged():
    assert spreadsheet_safe("casey@clinic.test") == "casey@clinic.test"
    assert spreadsheet_safe(42) == "42"


def test_https_deployment_gets_hsts_and_a_host_only_secure_cookie(tmp_path):
    app = create_app(env={"IDP_DEV_MODE": "1",
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'unit.sqlite3'}",
                          "IDP_BRIDGE_URL": "https://portal.example.org",
                          "IDP_OUTBOX_DIR": str(tmp_path / "outbox")},
                     overrides={"TESTING": True})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/register", base_url="https://portal.example.org")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain=" not in cookie


def test_cookie_carries_an_opaque_id_not_the_data(client):
    page = client.get("/register")
    value = page.headers["Set-Cookie"].split("=", 1)[1].split(";", 1)[0]
    assert 32 <= len(value) <= 64 and "." not in value  # no signed payload inside


def test_garbage_cookies_start_a_fresh_session(client):
    for junk in ["x" * 5000, "a.b.c", "../../etc/passwd", "\x00" * 40]:
        client.set_cookie("session", junk)
        assert client.get("/register/account").status_code in (200, 302)


def test_expired_sessions_are_not_honoured_and_are_purged(app, client):
    from datetime import timedelta

    from idp_bridge.auth.sessions import WebSession, purge_expired
    from idp_bridge.clock import utcnow

    client.get("/register")  # starts an anonymous session holding a draft
    cookie = client.get_cookie("session")
    assert cookie is not None
    with app.app_context():
        row = db.session.scalars(db.select(WebSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    fresh = client.get("/register")
    assert fresh.headers["Set-Cookie"].split(";")[0] != f"session={cookie.value}"
    with app.app_context():
        assert purge_expired() == 1
        assert db.session.scalars(db.select(WebSession)).one()  # only the fresh one is left


def test_control_characters_are_refused_with_the_rest_kept():
    from idp_bridge.registration.validation import Refused, text

    with pytest.raises(Refused) as refused:
        text("Office\x07 Manager\x1b", "Job Title", required=True)
    assert refused.value.problem.text.startswith("Job Title contains characters")
    assert refused.value.kept == "Office Manager"


def test_static_files_neither_read_nor_set_a_session(client):
    client.get("/register")  # a session exists
    answer = client.get("/static/portal.css")
    assert answer.status_code == 200
    assert "Set-Cookie" not in answer.headers
