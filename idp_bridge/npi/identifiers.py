"""NPI and TIN: shape, check digit, normalized form, and the message a user sees if wrong."""

from __future__ import annotations

import re

from stdnum import luhn
from stdnum.us import ein, itin, ssn

# CMS computes the NPI check digit as if the card-issuer prefix 80840 were present.
NPI_PREFIX = "80840"


class InvalidIdentifier(ValueError):
    """``str(exc)`` is the message for the person who typed the value."""


def normalize_npi(value: str) -> str:
    npi = re.sub(r"[\s-]", "", value or "")
    if not npi:
        raise InvalidIdentifier("NPI is required.")
    if not re.fullmatch(r"\d{10}", npi):
        raise InvalidIdentifier("NPI must be exactly 10 digits.")
    if not luhn.is_valid(NPI_PREFIX + npi):
        raise InvalidIdentifier("This is not a valid NPI: please check the digits.")
    return npi


def normalize_tin(value: str) -> str:
    typed = re.sub(r"\s", "", value or "")
    if not typed:
        raise InvalidIdentifier("TIN is required.")
    if not re.fullmatch(r"\d{2}-?\d{7}|\d{3}-?\d{2}-?\d{4}", typed):
        raise InvalidIdentifier("TIN must be 9 digits, e.g. 12-3456789.")
    digits = typed.replace("-", "")
    # An organization's TIN is its EIN; sole proprietors may use an SSN or ITIN. (stdnum's
    # us.tin also accepts any 9 digits as an ATIN, which would let every typo through.)
    if not any(kind.is_valid(digits) for kind in (ein, ssn, itin)):
        raise InvalidIdentifier(
            "This is not a valid TIN (EIN, or SSN/ITIN for a sole proprietor): please check "
            "the digits."
        )
    return digits


def format_tin(digits: str) -> str:
    return f"{digits[:2]}-{digits[2:]}" if len(digits) == 9 else digits


def parse_pair(npi_typed: str, tin_typed: str) -> tuple[str, str, dict[str, str]]:
    """Both identifiers at once: normalized values and a message per bad field."""
    errors: dict[str, str] = {}
    npi = tin = ""
    try:
        npi = normalize_npi(npi_typed)
    except InvalidIdentifier as exc:
        errors["npi"] = str(exc)
    try:
        tin = normalize_tin(tin_typed)
    except InvalidIdentifier as exc:
        errors["tin"] = str(exc)
    return npi, tin, errors
