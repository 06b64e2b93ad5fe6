"""The tests' own Keycloak admin client: the bridge's gateway plus the read-backs and set-ups
only tests need (the bridge itself never asks these, so they are not in its gateway)."""

from __future__ import annotations

from idp_bridge.keycloak.gateway import KeycloakGateway


class TestAdmin(KeycloakGateway):
    """``KeycloakGateway`` with test-only calls, through the same error translation."""

    __test__ = False  # a helper, not a test class, despite its name

    def user_group_paths(self, user_id: str) -> list[str]:
        """The user's direct groups, as full paths, sorted."""
        groups = self._call("read the user's groups", self._admin.get_user_groups, user_id)
        return sorted(g["path"] for g in groups)

    def update_attributes(self, user_id: str, changes: dict[str, str | None]) -> None:
        """Read, modify, write the whole user: a partial PUT would drop other attributes.
        ``None`` removes an attribute."""
        rep = self._call("read the user", self._admin.get_user, user_id)
        attributes = dict(rep.get("attributes") or {})
        for name, value in changes.items():
            if value is None:
                attributes.pop(name, None)
            else:
                attributes[name] = [value]
        rep["attributes"] = attributes
        self._call("update the user", self._admin.update_user, user_id, rep)
