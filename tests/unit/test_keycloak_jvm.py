"""Every Keycloak node hashes passwords at one speed: the compile commands it loads
(keycloak/jvm/password-hash.compiler) name methods that exist, the JVM takes the file, and
every way this project starts Keycloak passes it on.

Whether the inlining makes the hash steady is a speed question: `make bench` records each
run's hash, and bench/NOTES.md (tenth pass) has the JVM-by-JVM figures.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from idp_bridge.config import REPO_ROOT
from idp_bridge.devstack.keycloak_server import (
    DIST_DIR,
    PASSWORD_HASH_COMPILER,
    inlined_methods,
    jvm_options,
)

# "inline org.bouncycastle.crypto.generators.Argon2BytesGenerator$FillBlock::applyBlake"
_COMMAND = re.compile(r"^inline (?P<cls>[\w.$]+)::(?P<method>\w+)$")


def _commands() -> list[re.Match[str]]:
    lines = [line.strip() for line in PASSWORD_HASH_COMPILER.read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    matches = [_COMMAND.match(line) for line in commands]
    assert all(matches), f"only inline commands are expected: {commands}"
    return [match for match in matches if match]


def _bouncycastle_jar() -> str:
    jars = sorted((DIST_DIR / "lib" / "lib" / "main").glob("org.bouncycastle.bcprov-*.jar"))
    if not jars:
        pytest.skip(f"the Keycloak distribution is not built ({DIST_DIR}): `make keycloak`")
    assert len(jars) == 1, jars
    return str(jars[0])


def test_every_inlined_method_exists_in_the_pinned_keycloaks_bouncycastle():
    """A BouncyCastle upgrade that renames one would turn its line into a silent no-op."""
    if shutil.which("javap") is None:
        pytest.skip("no JDK (javap) on this machine")
    jar = _bouncycastle_jar()
    commands = _commands()
    assert {(m["cls"].rsplit(".", 1)[1], m["method"]) for m in commands} == {
        ("Argon2BytesGenerator", "quarterRound"), ("Argon2BytesGenerator", "F"),
        ("Argon2BytesGenerator", "roundFunction"),
        ("Argon2BytesGenerator$FillBlock", "applyBlake")}
    for command in commands:
        listing = subprocess.run(["javap", "-p", "-cp", jar, command["cls"]],  # noqa: S603,S607
                                 capture_output=True, text=True, timeout=60, check=True).stdout
        declared = re.findall(r"\s(\w+)\(", listing)
        assert command["method"] in declared, f"{command['cls']} has no {command['method']}"


def test_the_jvm_takes_the_file_and_echoes_each_command():
    if shutil.which("java") is None:
        pytest.skip("no JDK on this machine")
    run = subprocess.run(["java", f"-XX:CompileCommandFile={PASSWORD_HASH_COMPILER}",  # noqa: S603,S607
                          "-version"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    echoed = inlined_methods(run.stdout)
    assert len(echoed) == len(_commands()) == 4
    assert "error" not in (run.stdout + run.stderr).lower()


def test_a_node_started_here_loads_the_file_after_the_callers_own_options():
    assert jvm_options({}) == {
        "JAVA_OPTS_APPEND": f"-XX:CompileCommandFile={PASSWORD_HASH_COMPILER}"}
    assert jvm_options({"JAVA_OPTS_APPEND": " -Xmx1g "})["JAVA_OPTS_APPEND"] == (
        f"-Xmx1g -XX:CompileCommandFile={PASSWORD_HASH_COMPILER}")


def test_compose_mounts_the_file_where_its_keycloak_nodes_are_told_to_read_it():
    keycloak = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"][
        "keycloak"]
    option = keycloak["environment"]["JAVA_OPTS_APPEND"]
    assert option.startswith("-XX:CompileCommandFile=")
    inside = option.split("=", 1)[1]
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in keycloak["volumes"]}
    assert mounts[inside] == "./keycloak/jvm/password-hash.compiler"
    assert (REPO_ROOT / mounts[inside]).samefile(PASSWORD_HASH_COMPILER)
