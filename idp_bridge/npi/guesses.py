"""Budgets for NPI/TIN pair lookups that do not move a registration on.

Who holds a pair is an oracle: with an organization's public NPI, every wrong TIN answered
"no organization" and the right one moves the draft on. So each lookup takes one of three
budgets before it is evaluated (per draft, per client address, per NPI across all clients),
and a lookup that succeeds gives them back: only misses count. Shape errors (a TIN of eight
digits) are no lookup and cost nothing.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from idp_bridge import limits
from idp_bridge.limits import Budget, Refused
from idp_bridge.messages import Problem, problem

HOUR = timedelta(hours=1)
# A draft lives two hours from its last use; a day outlasts any registration.
PER_DRAFT = Budget("pair-miss:draft", timedelta(days=1), "IDP_PAIR_MISSES_PER_DRAFT")
PER_ADDRESS = Budget("pair-miss:address", HOUR, "IDP_PAIR_MISSES_PER_ADDRESS_PER_HOUR")
PER_NPI = Budget("pair-miss:npi", HOUR, "IDP_PAIR_MISSES_PER_NPI_PER_HOUR")

Charges = list[tuple[Budget, str]]


def charges(npi: str, draft_id: str, client_address: str) -> Charges:
    # The draft id is the browser's bearer secret: only a digest of it is kept.
    draft = hashlib.sha256(draft_id.encode()).hexdigest()[:16]
    return [(PER_DRAFT, draft), (PER_ADDRESS, client_address), (PER_NPI, npi)]


def take_lookup(charges_: Charges) -> Problem | None:
    """One lookup from every budget, or the message saying why none is left."""
    refused = limits.take_all(charges_)
    return None if refused is None else refusal(refused)


def refusal(refused: Refused) -> Problem:
    if refused.budget is PER_DRAFT:
        return problem("pair.too_many_misses.draft")
    return problem("pair.too_many_misses", minutes=refused.minutes)


def hit(charges_: Charges) -> None:
    """The lookup moved the registration on: it was no miss."""
    limits.give_back(charges_)
