"""The backup and restore drill needs PostgreSQL (`make drill TEST_DATABASE_URL=...`)."""

from __future__ import annotations

import os

import pytest

SERVER = os.environ.get("TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SERVER.startswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="the drill needs TEST_DATABASE_URL naming PostgreSQL "
                                   "(`make drill TEST_DATABASE_URL=...`)")
    for item in items:
        if "tests/drill/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)
