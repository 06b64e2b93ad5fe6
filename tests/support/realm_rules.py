"""Realm attributes switched for one test and put back after it, even when it fails.

Keycloak's realm update sets the attributes it is given and leaves the others as they are:
putting back "the attributes as they were" would keep a rule the test added. So each rule
the test set is written back to what it was, or to "false" (every rule's default in the test
stack) where the realm had none — a plan administrator who must suddenly use a passkey would
fail every later test that signs one in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def realm_rules(keycloak: Any, **rules: str) -> Iterator[None]:
    before = dict(keycloak.admin.get_realm(keycloak.realm).get("attributes") or {})
    keycloak.admin.update_realm(keycloak.realm, {"attributes": {**before, **rules}})
    try:
        yield
    finally:
        restored = {name: before.get(name, "false") for name in rules}
        keycloak.admin.update_realm(keycloak.realm, {"attributes": {**before, **restored}})
