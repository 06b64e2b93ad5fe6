"""Client for the real NPPES NPI Registry API, version 2.1 (``?number=<npi>&version=2.1``)."""

from __future__ import annotations

import random
from typing import Any

import requests

from idp_bridge.npi.registry import (
    Address,
    OtherName,
    Registry,
    RegistryRecord,
    RegistryUnavailable,
    Taxonomy,
)


class NppesApiRegistry:
    """Looks NPIs up live. The API can't list "other" records cheaply, so plausible wrong
    questionnaire options come from a fallback registry (the offline sample)."""

    def __init__(self, base_url: str = "https://npiregistry.cms.hhs.gov/api/",
                 session: requests.Session | None = None, timeout: float = 10.0,
                 distractor_source: Registry | None = None) -> None:
        self.base_url = base_url
        self.session = session or requests.Session()
        self.timeout = timeout
        self.distractor_source = distractor_source

    def lookup(self, npi: str) -> RegistryRecord | None:
        try:
            response = self.session.get(self.base_url, params={"number": npi, "version": "2.1"},
                                        timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryUnavailable("NPPES registry unreachable") from exc
        if response.status_code >= 500:
            raise RegistryUnavailable(f"NPPES registry answered {response.status_code}")
        data = response.json()
        # NPPES reports invalid input as {"Errors": [...]} with HTTP 200.
        if data.get("Errors") or not data.get("result_count"):
            return None
        return parse_result(data["results"][0])

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]:
        if self.distractor_source is None:
            return []
        return self.distractor_source.distractors(exclude_npi, entity_type, count, rng)


def parse_result(result: dict[str, Any]) -> RegistryRecord:
    basic = result.get("basic", {})
    entity_type = 2 if result.get("enumeration_type") == "NPI-2" else 1
    if entity_type == 2:
        name = basic.get("organization_name", "")
    else:
        name = " ".join(p for p in (basic.get("first_name"), basic.get("last_name")) if p)
    return RegistryRecord(
        npi=str(result["number"]), entity_type=entity_type, active=basic.get("status") == "A",
        name=name,
        other_names=[OtherName(name=o.get("organization_name", ""), type_code=str(o["code"]))
                     for o in result.get("other_names", []) if o.get("organization_name")],
        # Chosen by address_purpose: live answers do not keep the documented order.
        addresses=[Address(line1=a.get("address_1", ""), line2=a.get("address_2", ""),
                           city=a.get("city", ""), state=a.get("state", ""),
                           postal_code=a.get("postal_code", ""), purpose=a["address_purpose"])
                   for a in result.get("addresses", [])
                   if a.get("address_purpose") in ("LOCATION", "MAILING")],
        taxonomies=[Taxonomy(code=t["code"], desc=t.get("desc", ""), primary=bool(t["primary"]))
                    for t in result.get("taxonomies", [])],
    )
