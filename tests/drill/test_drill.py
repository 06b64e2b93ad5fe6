"""The backup and restore drill (docs/operations.md, "Backup and restore"): with data in both
databases, back them up with deploy/backup.sh (pg_dump, as docs/deploy.md says), destroy both,
restore with deploy/restore.sh, start everything, and prove nothing was lost. Then the
awkward case: Keycloak restored from a backup older than the bridge's, repaired by
`flask reconcile`, which says what it did.

One stack for the module, in order: production-mode Keycloak and the gunicorn bridge, both
on PostgreSQL.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from idp_bridge.outbox import Outbox
from idp_bridge.outbox.mail_sink import MailSink
from tests.support import keycloak_login
from tests.support.consoles import email, post_form, signed_in, site_act
from tests.support.drill import SERVER, DrillStack, drill_stack
from tests.support.keycloak_login import (
    LoopbackSession,
    enroll_phone,
    new_phone_number,
    submit_login,
)
from tests.support.org_keys import org_key
from tests.support.wizard import PASSWORD, WizardClient, register_individual, register_organization

pytestmark = pytest.mark.keycloak
FIGURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DrillStack]:
    workdir = tmp_path_factory.mktemp("drill")
    (workdir / "outbox").mkdir()
    booted = drill_stack(SERVER, workdir)
    sink = MailSink(str(workdir / "outbox"), port=int(booted.env["IDP_SMTP_PORT"])).start()
    keycloak_login.DEFAULT_OUTBOX[:] = [Outbox(str(workdir / "outbox"))]
    try:
        assert booted.flask("db", "upgrade").returncode == 0
        assert booted.flask("npi", "load-sample").returncode == 0
        booted.start()
        yield booted
    finally:
        booted.stop()
        sink.stop()
        booted.destroy()
        for line in FIGURES.items():
            print("drill figure:", *line)


@pytest.fixture(scope="module")
def outbox(stack: DrillStack) -> Outbox:
    return Outbox(str(stack.workdir / "outbox"))


@pytest.fixture(scope="module")
def people(stack: DrillStack, outbox: Outbox) -> dict[str, object]:
    """A plan administrator; organization A approved with a Site Administrator and an
    approved member; organization C registered and waiting for review."""
    bridge = stack.bridge.url
    gateway = stack.gateway()
    plan_admin = email("plan-admin")
    user_id = gateway.create_user(plan_admin, "Pat", "Reviewer", {},
                                  required_actions=["phone-verification"])
    gateway.set_password(user_id, PASSWORD)
    gateway.assign_realm_role(user_id, "plan-admin")
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), plan_admin, PASSWORD)
    assert enroll_phone(http, page, outbox, new_phone_number()).url.startswith(bridge)

    npis = [row[0] for row in stack.bridge_rows(
        "SELECT npi FROM npi_records WHERE entity_type = 2 AND active ORDER BY npi LIMIT 2")]
    org_a = {"npi": npis[0], "tin": "43-7700001"}
    org_c = {"npi": npis[1], "tin": "43-7700002"}
    admin_a, member_a, admin_c = email("admin-a"), email("member-a"), email("admin-c")
    register_organization(WizardClient(bridge, outbox), org_a, admin_a)
    register_organization(WizardClient(bridge, outbox), org_c, admin_c)
    key_a, key_c = org_key(org_a), org_key(org_c)
    oid_a = stack.bridge_rows(f"SELECT id FROM organizations WHERE key = '{key_a}'")[0][0]  # noqa: S608
    approved = post_form(signed_in(bridge, plan_admin), bridge, f"/admin/organizations/{oid_a}",
                         f"/admin/organizations/{oid_a}/approve", {"note": "Called the office"})
    assert approved.status_code == 200
    register_individual(WizardClient(bridge, outbox), org_a, member_a)
    mid = stack.bridge_rows(f"SELECT id FROM memberships WHERE email = '{member_a}'")[0][0]  # noqa: S608
    assert 'class="flash success"' in site_act(signed_in(bridge, admin_a), bridge, key_a, mid,
                                               "approve").text
    # The decisions' emails go out with the deliverer, as an operator runs it (this stack has
    # no deliverer process; left pending they would fail /readyz's mail check after 15 min).
    assert ", 0 to retry" in stack.flask("mail", "deliver", "--once").stdout
    return {"plan_admin": plan_admin, "admin_a": admin_a, "member_a": member_a,
            "admin_c": admin_c, "key_a": key_a, "key_c": key_c, "member_id": mid}


def _timed(step: str, started: float) -> None:
    FIGURES[step] = f"{time.monotonic() - started:.0f} s"


def test_drill_restore_of_both_backups_loses_nothing(stack: DrillStack, people) -> None:
    bridge_before, keycloak_before = stack.bridge_state(), stack.keycloak_state()
    assert people["member_a"] in keycloak_before["users"]
    assert any(len(members) >= 2 for members in keycloak_before["groups"].values())

    started = time.monotonic()
    backup = stack.backup("nightly")
    _timed("backup (pg_dump of both databases)", started)
    stack.stop()
    stack.destroy()  # the disaster
    started = time.monotonic()
    stack.restore(backup, backup)
    _timed("restore (pg_restore of both databases)", started)
    started = time.monotonic()
    stack.start()
    _timed("start Keycloak and the bridge until /readyz answers 200", started)

    assert stack.bridge_state() == bridge_before
    assert stack.keycloak_state() == keycloak_before  # users, credentials, groups, members
    verified = stack.flask("audit", "verify")
    assert verified.returncode == 0 and "audit chain intact" in verified.stdout
    # A person signs in with their old password and their old phone (the code goes to it).
    http, landed = keycloak_login.sign_in_to_bridge(stack.bridge.url, people["member_a"],
                                                   PASSWORD)
    assert landed.url.startswith(stack.bridge.url) and landed.status_code == 200
    assert http.get(f"{stack.bridge.url}/", timeout=30).status_code == 200
    reconciled = stack.flask("reconcile")
    assert reconciled.returncode == 0, reconciled.stderr
    assert reconciled.stdout.strip().splitlines()[-1] == "0 change(s)", reconciled.stdout


def test_drill_keycloak_older_than_the_bridge_is_repaired_by_reconcile(
        stack: DrillStack, people) -> None:
    bridge = stack.bridge.url
    older = stack.backup("keycloak-older")  # Keycloak's copy from here is used below
    # Decisions after that backup: organization C approved, member A granted a role.
    oid_c = stack.bridge_rows(
        f"SELECT id FROM organizations WHERE key = '{people['key_c']}'")[0][0]  # noqa: S608
    post_form(signed_in(bridge, people["plan_admin"]), bridge, f"/admin/organizations/{oid_c}",
              f"/admin/organizations/{oid_c}/approve", {"note": "Confirmed"})
    granted = site_act(signed_in(bridge, people["admin_a"]), bridge, people["key_a"],
                       people["member_id"], "grant-role", role="claims")
    assert 'class="flash success"' in granted.text
    newer = stack.backup("bridge-newer")
    bridge_now, keycloak_now = stack.bridge_state(), stack.keycloak_state()

    stack.stop()
    stack.destroy()
    stack.restore(keycloak_from=older, bridge_from=newer)
    stack.start()
    drifted = stack.keycloak_state()
    assert drifted["groups"] != keycloak_now["groups"]  # Keycloak lost the later decisions
    started = time.monotonic()
    repaired = stack.flask("reconcile")
    _timed("reconcile after Keycloak restored older than the bridge", started)
    assert repaired.returncode == 0, repaired.stderr
    said = repaired.stdout
    path_c = f"/provider-orgs/{people['key_c']}"
    assert f"to {path_c}" in said and f"to {path_c}/site-admins" in said, said
    assert f"to /provider-orgs/{people['key_a']}/roles/claims" in said, said
    assert said.strip().splitlines()[-1] != "0 change(s)"
    FIGURES["reconcile said"] = " | ".join(said.strip().splitlines())
    assert stack.bridge_state()["organizations"] == bridge_now["organizations"]
    assert stack.keycloak_state()["groups"] == keycloak_now["groups"]
    assert stack.flask("reconcile").stdout.strip().splitlines()[-1] == "0 change(s)"
    assert stack.flask("audit", "verify").returncode == 0
