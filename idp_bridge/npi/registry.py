"""What the National Provider registry (NPPES) says about an NPI, whatever the source.

Two sources implement :class:`Registry`: the live API (``nppes_api.NppesApiRegistry``) and a
copy of the bulk file in the app database (``offline.OfflineRegistry``).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from idp_bridge.npi.taxonomy import describe
from idp_bridge.organizations.addresses import format_address

# NPPES other-name type codes (organizations: 3, 4, 5; individuals: 1, 2, 5).
DBA_TYPE_CODE = "3"
FORMER_LEGAL_NAME_TYPE_CODE = "4"

LOCATION = "LOCATION"  # the primary practice location
MAILING = "MAILING"

INDIVIDUAL = 1  # NPI-1, a health care professional
ORGANIZATION = 2  # NPI-2


class RegistryUnavailable(Exception):
    """The registry could not be asked (network, outage); the user may retry.

    Callers show: "The National Provider registry can't be reached right now; please try
    again."
    """


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str  # NPPES gives ZIP+4 as 9 digits without a dash, or 5 digits
    purpose: str  # LOCATION | MAILING

    @property
    def zip5(self) -> str:
        return self.postal_code[:5]

    def label(self) -> str:
        return format_address(self.line1, self.line2, self.city, self.state, self.zip5)


@dataclass(frozen=True)
class Taxonomy:
    code: str
    desc: str
    primary: bool

    def label(self) -> str:
        """``CODE DESCRIPTION``, upper case, as the portal's questionnaire shows it (the NUCC
        code set's description when the source gave none)."""
        return f"{self.code} {(self.desc or describe(self.code)).upper()}".strip()


@dataclass(frozen=True)
class OtherName:
    name: str
    type_code: str


@dataclass(frozen=True)
class RegistryRecord:
    npi: str
    entity_type: int  # INDIVIDUAL or ORGANIZATION; 0 when NPPES blanked a deactivated record
    active: bool
    name: str  # legal business name, or "FIRST LAST" for an individual
    other_names: list[OtherName] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    taxonomies: list[Taxonomy] = field(default_factory=list)

    @property
    def dba_names(self) -> list[str]:
        return [o.name for o in self.other_names if o.type_code == DBA_TYPE_CODE]

    def address(self, purpose: str) -> Address | None:
        return next((a for a in self.addresses if a.purpose == purpose), None)

    @property
    def location_address(self) -> Address | None:
        return self.address(LOCATION)

    @property
    def mailing_address(self) -> Address | None:
        return self.address(MAILING)

    @property
    def primary_taxonomy(self) -> Taxonomy | None:
        # Every NPPES record flags one primary; fall back to the first if a source did not.
        return next((t for t in self.taxonomies if t.primary), None) or (
            self.taxonomies[0] if self.taxonomies else None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryRecord:
        return cls(
            npi=data["npi"], entity_type=int(data["entity_type"]), active=bool(data["active"]),
            name=data["name"],
            other_names=[OtherName(**o) for o in data.get("other_names", [])],
            addresses=[Address(**a) for a in data.get("addresses", [])],
            taxonomies=[Taxonomy(**t) for t in data.get("taxonomies", [])],
        )


class Registry(Protocol):
    def lookup(self, npi: str) -> RegistryRecord | None:
        """The record, or None if NPPES has no such NPI. Raises RegistryUnavailable."""
        ...

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]:
        """Up to ``count`` other records of that entity type: plausible wrong answers."""
        ...
