"""The cluster, booted once per session (tests/support/cluster/topology.py); skipped without
PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.cluster.topology import SERVER, Cluster, running_cluster

FIGURES: dict[str, object] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SERVER.startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="the cluster needs TEST_DATABASE_URL naming PostgreSQL "
                                   "(`make test-cluster TEST_DATABASE_URL=...`)")
    for item in items:
        if "tests/cluster/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster")) as booted:
        yield booted


@pytest.fixture(scope="session")
def figures() -> dict[str, object]:
    return FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("cluster figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name}: {value}")
