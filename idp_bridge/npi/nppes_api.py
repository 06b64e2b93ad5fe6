"""Client for the live NPPES NPI Registry API, version 2.1 (``?number=<npi>&version=2.1``).

Answers as documented in shared/reference/nppes.md §1.3: ``{"result_count": n, "results":
[...]}``; invalid input comes back as ``{"Errors": [...]}`` *with HTTP 200*. The API lists
active NPIs only, so a deactivated NPI looks like one that does not exist.
"""

from __future__ import annotations

import logging
import random
from typing import Any

import requests

from idp_bridge.npi.registry import (
    INDIVIDUAL,
    LOCATION,
    MAILING,
    ORGANIZATION,
    Address,
    OtherName,
    Registry,
    RegistryRecord,
    RegistryUnavailable,
    Taxonomy,
)

log = logging.getLogger(__name__)

DEFAULT_URL = "https://npiregistry.cms.hhs.gov/api/"


class NppesApiRegistry:
    """Looks NPIs up live.

    The API cannot hand out random "other" records cheaply, so the plausible wrong options of
    the questionnaire come from ``distractor_source`` (``get_registry`` passes the offline
    registry); without one, ``distractors`` returns an empty list.
    """

    def __init__(self, base_url: str = DEFAULT_URL, session: requests.Session | None = None,
                 timeout: float = 10.0, distractor_source: Registry | None = None) -> None:
        self.base_url = base_url
        self.session = session or requests.Session()
        self.timeout = timeout
        self.distractor_source = distractor_source

    def lookup(self, npi: str) -> RegistryRecord | None:
        data = self._get({"number": npi, "version": "2.1"})
        if data.get("Errors"):
            # Only validated NPIs are sent, so an error means NPPES found nothing usable.
            log.warning("NPPES refused number=%s: %s", npi, data["Errors"])
            return None
        results = data.get("results") or []
        match = next((r for r in results if str(r.get("number")) == npi), None)
        return parse_result(match) if match else None

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]:
        if self.distractor_source is None:
            return []
        return self.distractor_source.distractors(exclude_npi, entity_type, count, rng)

    def _get(self, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self.session.get(self.base_url, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"NPPES registry unreachable: {exc}") from exc
        # Real answers, errors included, come with 200; anything else (5xx, 429 throttling,
        # a proxy's 404) is the service, not the NPI.
        if response.status_code != 200:
            raise RegistryUnavailable(f"NPPES registry answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise RegistryUnavailable("NPPES registry answered something that is not JSON") \
                from exc
        if not isinstance(data, dict):
            raise RegistryUnavailable("NPPES registry answered an unexpected JSON shape")
        return data


def parse_result(result: dict[str, Any]) -> RegistryRecord:
    """One element of ``results`` as a :class:`RegistryRecord`."""
    basic = result.get("basic") or {}
    entity_type = ORGANIZATION if result.get("enumeration_type") == "NPI-2" else INDIVIDUAL
    return RegistryRecord(
        npi=str(result["number"]), entity_type=entity_type, active=basic.get("status") == "A",
        name=_name(basic, entity_type),
        other_names=[n for n in map(_other_name, result.get("other_names") or []) if n],
        addresses=_addresses(result.get("addresses") or []),
        taxonomies=[Taxonomy(code=t["code"], desc=t.get("desc") or "",
                             primary=bool(t.get("primary")))
                    for t in result.get("taxonomies") or [] if t.get("code")],
    )


def _name(basic: dict[str, Any], entity_type: int) -> str:
    if entity_type == ORGANIZATION:
        return str(basic.get("organization_name") or "")
    return _person(basic)


def _person(fields: dict[str, Any]) -> str:
    return " ".join(str(fields[k]) for k in ("first_name", "last_name") if fields.get(k))


def _other_name(entry: dict[str, Any]) -> OtherName | None:
    # Organizations' other names carry organization_name; individuals' carry person fields.
    name = entry.get("organization_name") or _person(entry)
    code = str(entry.get("code") or "")
    return OtherName(name=name, type_code=code) if name and code else None


def _addresses(entries: list[dict[str, Any]]) -> list[Address]:
    # Chosen by address_purpose, never by position: live answers list MAILING first at times,
    # though CMS documents LOCATION first.
    found = []
    for purpose in (LOCATION, MAILING):
        entry = next((a for a in entries if a.get("address_purpose") == purpose), None)
        if entry:
            found.append(Address(
                line1=entry.get("address_1") or "", line2=entry.get("address_2") or "",
                city=entry.get("city") or "", state=entry.get("state") or "",
                postal_code=entry.get("postal_code") or "", purpose=purpose))
    return found
