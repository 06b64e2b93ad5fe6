"""NPI and TIN: shape, check digit, normalized form, and the problem code if wrong.

The words for each code are in ``idp_bridge.messages`` (``npi.*``, ``tin.*``).
"""

from __future__ import annotations

import re
from typing import Any

from stdnum import luhn
from stdnum.us import ein, itin, ssn

from idp_bridge.messages import Problem, problem

# CMS computes the NPI check digit as if the card-issuer prefix 80840 were present.
NPI_PREFIX = "80840"

# The IRS issues EINs under these two-digit prefixes only (one per campus; python-stdnum's
# ein.dat, from the IRS's list): a TIN typed as an EIN with any other prefix is a typo.
EIN_PREFIXES = frozenset(f"{n:02d}" for n in (
    1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32,
    33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55,
    56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 71, 72, 73, 74, 75, 76, 77, 80, 81,
    82, 83, 84, 85, 86, 87, 88, 90, 91, 92, 93, 94, 95, 98, 99))

# Where the dash was typed says what the TIN is meant to be: 12-3456789 is an EIN, 123-45-6789
# an SSN or ITIN; digits without (or with other) dashes could be any of them.
_EIN_TYPED = re.compile(r"\d{2}-\d{7}")
_SSN_TYPED = re.compile(r"\d{3}-\d{2}-\d{4}")


class InvalidIdentifier(ValueError):
    """``exc.problem`` says what is wrong (a code); ``str(exc)`` is its text."""

    def __init__(self, code: str, **params: Any) -> None:
        self.problem = problem(code, **params)
        super().__init__(self.problem.text)


def normalize_npi(value: str) -> str:
    """The 10-digit NPI, or :class:`InvalidIdentifier`. Spaces and dashes are ignored."""
    npi = re.sub(r"[\s-]", "", value or "")
    if not npi:
        raise InvalidIdentifier("npi.required")
    if not re.fullmatch(r"\d{10}", npi):
        raise InvalidIdentifier("npi.shape")
    if not luhn.is_valid(NPI_PREFIX + npi):
        raise InvalidIdentifier("npi.check_digit")
    return npi


def normalize_tin(value: str) -> str:
    """The TIN's 9 digits, or :class:`InvalidIdentifier`.

    An organization's TIN is its EIN (campus prefix checked; EINs have no check digit); a
    sole proprietor may use an SSN or ITIN. stdnum's ``us.tin`` is not used as the test
    because it also accepts any 9 digits as an ATIN, which would let every typo through.
    """
    typed = re.sub(r"\s", "", value or "")
    if not typed:
        raise InvalidIdentifier("tin.required")
    if not re.fullmatch(r"\d{2}-?\d{7}|\d{3}-?\d{2}-?\d{4}", typed):
        raise InvalidIdentifier("tin.shape")
    digits = typed.replace("-", "")
    if _SSN_TYPED.fullmatch(typed):
        kinds: tuple[Any, ...] = (ssn, itin)
    elif digits[:2] not in EIN_PREFIXES:
        # Typed as an EIN (12-3456789 or nine digits) with a prefix the IRS never issued;
        # a sole proprietor's SSN or ITIN is told to use its own shape (123-45-6789).
        raise InvalidIdentifier("tin.prefix", prefix=digits[:2])
    elif _EIN_TYPED.fullmatch(typed):
        kinds = (ein,)
    else:
        kinds = (ein, ssn, itin)
    if not any(kind.is_valid(digits) for kind in kinds):
        raise InvalidIdentifier("tin.invalid")
    return digits


def format_tin(digits: str) -> str:
    """``123456789`` → ``12-3456789``, the way TINs are shown throughout the portal."""
    return f"{digits[:2]}-{digits[2:]}" if len(digits) == 9 else digits


def masked_tin(digits: str) -> str:
    """``*****6789``: enough for a person to tell TINs apart, never the whole number (a sole
    proprietor's TIN may be their SSN). What the audit log keeps."""
    return "*" * max(0, len(digits) - 4) + digits[-4:]


def parse_pair(npi_typed: str, tin_typed: str) -> tuple[str, str, dict[str, Problem]]:
    """Both identifiers at once: normalized values and a problem per bad field."""
    errors: dict[str, Problem] = {}
    npi = tin = ""
    try:
        npi = normalize_npi(npi_typed)
    except InvalidIdentifier as exc:
        errors["npi"] = exc.problem
    try:
        tin = normalize_tin(tin_typed)
    except InvalidIdentifier as exc:
        errors["tin"] = exc.problem
    return npi, tin, errors
