"""What the National Provider registry (NPPES) says about an NPI, whatever the source."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

DBA_TYPE_CODE = "3"  # NPPES other-name type "Doing Business As"


class RegistryUnavailable(RuntimeError):
    """The registry could not be asked (network, outage); the user may retry."""


@dataclass(frozen=True)
class Address:
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    purpose: str  # "LOCATION" | "MAILING"

    @property
    def zip5(self) -> str:
        return self.postal_code[:5]

    def label(self) -> str:
        street = " ".join(p for p in (self.line1, self.line2) if p)
        return f"{street}, {self.city}, {self.state} {self.zip5}"


@dataclass(frozen=True)
class Taxonomy:
    code: str
    desc: str
    primary: bool

    def label(self) -> str:
        return f"{self.code} {self.desc.upper()}"


@dataclass(frozen=True)
class OtherName:
    name: str
    type_code: str


@dataclass(frozen=True)
class RegistryRecord:
    npi: str
    entity_type: int  # 1 individual (professional), 2 organization
    active: bool
    name: str
    other_names: list[OtherName] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    taxonomies: list[Taxonomy] = field(default_factory=list)

    @property
    def dba_names(self) -> list[str]:
        return [o.name for o in self.other_names if o.type_code == DBA_TYPE_CODE]

    def address(self, purpose: str) -> Address | None:
        return next((a for a in self.addresses if a.purpose == purpose), None)

    @property
    def primary_taxonomy(self) -> Taxonomy | None:
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
    def lookup(self, npi: str) -> RegistryRecord | None: ...

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]: ...
