"""The National Provider registry (NPPES) and NPI/TIN rules."""

from __future__ import annotations

from flask import Flask

from idp_bridge.npi.offline import OfflineRegistry
from idp_bridge.npi.registry import Registry


def get_registry(app: Flask) -> Registry:
    if app.config.get("NPI_REGISTRY") == "api":
        from idp_bridge.npi.nppes_api import NppesApiRegistry

        return NppesApiRegistry(app.config["NPPES_API_URL"],
                                distractor_source=OfflineRegistry())
    return OfflineRegistry()
