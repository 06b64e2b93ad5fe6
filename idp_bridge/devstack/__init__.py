"""Local stack: the real Keycloak, the dev mail sink and the bridge on one machine.

Used by ``make run`` (``python -m idp_bridge.devstack``) and by the test session fixtures,
so that development and tests start Keycloak the same way.
"""
