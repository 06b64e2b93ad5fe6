"""Matching rules, pure: who on the lists is one of our organizations.

- A *match*: one of the organization's NPIs (check digit valid) equals a listed NPI, and the
  listing is in force on the day of the check. It blocks approval without an override note
  and raises a flag on an approved organization.
- A *possible match*: no NPI in common, but the normalized business name and the state are
  the same. Shown to the reviewer; it never blocks and never flags (names repeat: two
  "Family Medicine LLC"s in one state are common).
- An LEIE waiver for the organization's own state turns a match into a possible match: OIG
  waived the exclusion for that state's program.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# Words that say what kind of business it is, not which one.
_ENTITY_WORDS = frozenset({
    "LLC", "LLP", "PLLC", "INC", "INCORPORATED", "CORP", "CORPORATION", "CO", "COMPANY",
    "LTD", "LIMITED", "PC", "PA", "SC", "PSC", "THE", "DBA", "LC", "PLC",
})
_APOSTROPHES = re.compile(r"['\u2019`]")
_NOT_WORD = re.compile(r"[^A-Z0-9]+")


def name_key(name: str) -> str:
    """O'Brien Family Medicine, S.C. -> OBRIEN FAMILY MEDICINE; Smith & Sons -> SMITH AND
    SONS. Accents dropped, punctuation a space (an apostrophe nothing), entity words gone."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = _APOSTROPHES.sub("", text).replace("&", " AND ")
    # Dotted abbreviations (S.C., P.C.) collapse to one word before splitting.
    text = re.sub(r"\b([A-Z])\.(?=[A-Z]\b\.?)", r"\1", text)
    words = [w for w in _NOT_WORD.split(text) if w and w not in _ENTITY_WORDS]
    return " ".join(words)[:200]


@dataclass(frozen=True)
class Listing:
    """One row of a list, as matching needs it."""

    source: str  # leie | sam
    npi: str
    name: str
    name_key: str
    state: str
    exclusion_type: str
    excluded_on: date
    ended_on: date | None = None
    record_active: bool = True
    waiver_on: date | None = None
    waiver_state: str = ""

    def in_force(self, on: date) -> bool:
        """LEIE: unless reinstated; SAM: Record Status Active and no termination yet."""
        return self.record_active and self.excluded_on <= on and (
            self.ended_on is None or self.ended_on > on)


@dataclass(frozen=True)
class Candidate:
    """What we know of an organization to match it."""

    npis: tuple[str, ...]
    names: tuple[str, ...]  # legal name, DBA, the registry's name
    state: str


@dataclass(frozen=True)
class Match:
    listing: Listing
    exact: bool  # True: a match (by NPI); False: a possible match (name + state)
    why: str

    @property
    def blocks(self) -> bool:
        return self.exact


def matches(candidate: Candidate, listings: Iterable[Listing], on: date) -> list[Match]:
    """Every listing in force on ``on`` that matches the candidate, matches first."""
    npis = {n for n in candidate.npis if n}
    keys = {name_key(n) for n in candidate.names} - {""}
    state = candidate.state.upper()
    found: list[Match] = []
    for listing in listings:
        if not listing.in_force(on):
            continue
        if listing.npi and listing.npi in npis:
            if listing.waiver_state and listing.waiver_state == state and (
                    listing.waiver_on is None or listing.waiver_on <= on):
                found.append(Match(listing, False, f"NPI {listing.npi}, waived in {state}"))
            else:
                found.append(Match(listing, True, f"NPI {listing.npi}"))
        elif listing.name_key and listing.name_key in keys and listing.state == state:
            found.append(Match(listing, False, f"name and state ({state})"))
    return sorted(found, key=lambda m: (not m.exact, m.listing.source, m.listing.npi))
