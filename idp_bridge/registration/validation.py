"""Field rules of the enrollment screens: each returns the cleaned value or raises
:class:`Refused` with a problem code (the words are in ``idp_bridge.messages``).

``forms.py`` wraps them as WTForms validators; they are plain functions so the rules can be
tested without a request.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from typing import Any

import phonenumbers

from idp_bridge.messages import NAME_RULES, Problem, problem
from idp_bridge.registration.java_letters import LETTER_RANGES

__all__ = ["NAME_RULES", "Refused", "is_login_email", "is_person_name", "login_email",
           "person_name", "phone", "text", "us_state", "zip_code"]

# The realm's user profile holds this same pattern on the email attribute (the email is also
# the username), so the screen and Keycloak cannot disagree: ASCII, at most 64 characters
# before the @ and 254 in all, dots only between other characters, a domain with a dot.
LOGIN_EMAIL_PATTERN = (
    r"^(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9%+'_-]+(?:\.[A-Za-z0-9%+'_-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
LOGIN_EMAIL = re.compile(LOGIN_EMAIL_PATTERN)
NAME_PUNCTUATION = frozenset(" '\u2019.,()-")
US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
    "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
    "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
    "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
})


class Refused(ValueError):
    """A value the field can't take. ``kept`` is what to show back (cleaned where safe)."""

    def __init__(self, code: str, kept: str = "", **params: Any) -> None:
        super().__init__(code)
        self.problem: Problem = problem(code, **params)
        self.kept = kept


def text(value: str, label: str, required: bool, max_length: int = 100) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise Refused("field.required", label=label)
    if any(unicodedata.category(c) == "Cc" for c in value):
        # Control characters (bell, escape, ...) mean a paste went wrong or a probe; they
        # would end up in emails, CSV exports and Keycloak.
        kept = "".join(c for c in value if unicodedata.category(c) != "Cc")
        raise Refused("field.control_characters", kept=kept, label=label)
    if keycloak_length(value) > max_length:
        raise Refused("field.too_long", kept=value, label=label, max_length=max_length)
    return value


def keycloak_length(value: str) -> int:
    """The length Keycloak's length validator sees: Java's ``String.length()``, UTF-16 code
    units, so a character beyond U+FFFF (𠀀, many emoji) counts twice."""
    return len(value.encode("utf-16-le")) // 2


def us_state(value: str) -> str:
    value = value.strip().upper()
    if value not in US_STATES:
        raise Refused("state.invalid", kept=value)
    return value


def zip_code(value: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{5}(-?\d{4})?", value):
        raise Refused("zip.invalid", kept=value)
    return value


MAX_EXTENSION_DIGITS = 6


def phone(value: str, label: str, extension: str = "") -> str:
    """US numbers as typed (608-555-1234, (608) 555 1234 ...), returned in E.164; an
    extension (the guides' extension box, or "x123" typed after the number) is kept, as
    RFC 3966 writes it (``+16085551234;ext=123``), never dropped."""
    if not value.strip():
        raise Refused("field.required", label=label)
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Refused("phone.invalid", kept=value.strip(), label=label)
    boxed, typed = extension.strip(), number.extension or ""
    if boxed and typed and boxed != typed:
        raise Refused("phone.two_extensions", kept=value.strip(), label=label)
    ext = boxed or typed
    if ext and not (ext.isdigit() and len(ext) <= MAX_EXTENSION_DIGITS):
        raise Refused("phone.extension", kept=value.strip(), label=label,
                      digits=MAX_EXTENSION_DIGITS)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return f"{e164};ext={ext}" if ext else e164


def login_email(value: str) -> str:
    value = value.strip()
    if not value:
        raise Refused("email.required")
    if not is_login_email(value):
        raise Refused("email.invalid", kept=value)
    return value.lower()


def is_login_email(value: str) -> bool:
    return LOGIN_EMAIL.fullmatch(value) is not None


def person_name(value: str, label: str) -> str:
    value = text(value, label, required=True)
    if not is_person_name(value):
        raise Refused("name.invalid", kept=value, label=label)
    return value


def is_person_name(value: str) -> bool:
    """Letters of any script (Zoë, Nguyễn, 李), then letters, spaces and the punctuation of
    real names (O'Brien-Smith (Jr.), St. John, Jones, III). The realm's user profile holds the
    same rule as a pattern, so what this screen accepts Keycloak accepts."""
    return (bool(value) and _is_letter(value[0])
            and all(_is_letter(c) or c in NAME_PUNCTUATION for c in value))


_RANGE_STARTS = tuple(start for start, _ in LETTER_RANGES)


def _is_letter(char: str) -> bool:
    """A letter or mark as Keycloak's pattern (``\\p{L}\\p{M}``) judges it: by the Unicode
    version of the JDK Keycloak runs on (java_letters.py, generated from it), not Python's."""
    index = bisect_right(_RANGE_STARTS, ord(char)) - 1
    return index >= 0 and ord(char) <= LETTER_RANGES[index][1]
