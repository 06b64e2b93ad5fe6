"""The production configuration boots: Keycloak in `start` mode on PostgreSQL.

Runs where TEST_DATABASE_URL names a PostgreSQL server (CI sets it up); HTTP stays on
loopback only for the test, as a TLS-terminating proxy would front it in production.
"""

from __future__ import annotations

import os

import pytest
import requests
import sqlalchemy

from idp_bridge.devstack.databases import create_database
from idp_bridge.devstack.keycloak_server import (
    OBSERVABILITY_BUILD_OPTIONS,
    KeycloakServer,
    free_port,
    inlined_methods,
)

pytestmark = pytest.mark.keycloak

SERVER = os.environ.get("TEST_DATABASE_URL", "")


@pytest.mark.skipif(not SERVER.startswith("postgresql"),
                    reason="needs TEST_DATABASE_URL pointing at PostgreSQL (.ci/run sets it)")
def test_production_keycloak_boots_on_postgresql(stack_env, tmp_path):
    url = sqlalchemy.engine.make_url(create_database(SERVER))
    port, management = free_port(), free_port()
    server = KeycloakServer.in_private_copy(
        tmp_path, http_port=port, management_port=management, env=stack_env,
        log_path=tmp_path / "keycloak-production.log", mode="start",
        extra_args=("--optimized", "--http-enabled", "true",
                    "--hostname", f"http://127.0.0.1:{port}",
                    "--db-url", f"jdbc:postgresql://{url.host}:{url.port or 5432}/{url.database}",
                    "--db-username", str(url.username), "--db-password", str(url.password)),
    )
    server.build("--db=postgres", "--health-enabled=true", *OBSERVABILITY_BUILD_OPTIONS)
    server.start()
    try:
        server.wait_ready(timeout=300)
        issuer = f"{server.base_url}/realms/provider-portal"
        discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["issuer"] == issuer
        log = server.log_path.read_text()
        assert "Profile prod activated" in log
        assert "Realm 'provider-portal' imported" in log
        # The password hash at one speed (keycloak/jvm/password-hash.compiler): the JVM echoes
        # each compile command it loaded.
        hash_class = "org/bouncycastle/crypto/generators/Argon2BytesGenerator"
        assert set(inlined_methods(log)) == {
            f"{hash_class}{method}"
            for method in (".quarterRound", ".F", ".roundFunction", "$FillBlock.applyBlake")}
        # Operations: Keycloak's metrics on the management port, as docker-compose.yml sets.
        metrics = requests.get(f"http://127.0.0.1:{management}/metrics", timeout=10)
        assert metrics.status_code == 200 and "jvm_memory_used_bytes" in metrics.text
    finally:
        server.stop()
