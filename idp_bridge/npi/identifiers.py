"""NPI and TIN: shape, check digit, normalized form, and the message a user sees if wrong.

The messages are shown as-is next to the form field, so they are written for provider office
staff; other modules' tests match them literally, so change them with care.
"""

from __future__ import annotations

import re
from typing import Any

from stdnum import luhn
from stdnum.us import ein, itin, ssn

# CMS computes the NPI check digit as if the card-issuer prefix 80840 were present.
NPI_PREFIX = "80840"

NPI_REQUIRED = "NPI is required."
NPI_SHAPE = "NPI must be exactly 10 digits."
NPI_CHECK_DIGIT = "This is not a valid NPI: please check the digits."
TIN_REQUIRED = "TIN is required."
TIN_SHAPE = "TIN must be 9 digits, e.g. 12-3456789."
TIN_INVALID = (
    "This is not a valid TIN (EIN, or SSN/ITIN for a sole proprietor): please check the digits."
)

# Where the dash was typed says what the TIN is meant to be: 12-3456789 is an EIN, 123-45-6789
# an SSN or ITIN; digits without (or with other) dashes could be any of them.
_EIN_TYPED = re.compile(r"\d{2}-\d{7}")
_SSN_TYPED = re.compile(r"\d{3}-\d{2}-\d{4}")


class InvalidIdentifier(ValueError):
    """``str(exc)`` is the message for the person who typed the value."""


def normalize_npi(value: str) -> str:
    """The 10-digit NPI, or :class:`InvalidIdentifier`. Spaces and dashes are ignored."""
    npi = re.sub(r"[\s-]", "", value or "")
    if not npi:
        raise InvalidIdentifier(NPI_REQUIRED)
    if not re.fullmatch(r"\d{10}", npi):
        raise InvalidIdentifier(NPI_SHAPE)
    if not luhn.is_valid(NPI_PREFIX + npi):
        raise InvalidIdentifier(NPI_CHECK_DIGIT)
    return npi


def normalize_tin(value: str) -> str:
    """The TIN's 9 digits, or :class:`InvalidIdentifier`.

    An organization's TIN is its EIN (campus prefix checked; EINs have no check digit); a
    sole proprietor may use an SSN or ITIN. stdnum's ``us.tin`` is not used as the test
    because it also accepts any 9 digits as an ATIN, which would let every typo through.
    """
    typed = re.sub(r"\s", "", value or "")
    if not typed:
        raise InvalidIdentifier(TIN_REQUIRED)
    if not re.fullmatch(r"\d{2}-?\d{7}|\d{3}-?\d{2}-?\d{4}", typed):
        raise InvalidIdentifier(TIN_SHAPE)
    digits = typed.replace("-", "")
    if _EIN_TYPED.fullmatch(typed):
        kinds: tuple[Any, ...] = (ein,)
    elif _SSN_TYPED.fullmatch(typed):
        kinds = (ssn, itin)
    else:
        kinds = (ein, ssn, itin)
    if not any(kind.is_valid(digits) for kind in kinds):
        raise InvalidIdentifier(TIN_INVALID)
    return digits


def format_tin(digits: str) -> str:
    """``123456789`` → ``12-3456789``, the way TINs are shown throughout the portal."""
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
