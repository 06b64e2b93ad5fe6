"""Field checks shared by the enrollment screens; each writes its own message into ``errors``."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

# The realm's user profile holds this same pattern on the email attribute (the email is also
# the username), so the screen and Keycloak cannot disagree: ASCII, at most 64 characters
# before the @ and 254 in all, dots only between other characters, a domain with a dot.
LOGIN_EMAIL_PATTERN = (
    r"^(?=.{1,254}$)(?=[^@]{1,64}@)[A-Za-z0-9%+'_-]+(?:\.[A-Za-z0-9%+'_-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
LOGIN_EMAIL = re.compile(LOGIN_EMAIL_PATTERN)
EMAIL_RULES = ("Enter a valid email address, e.g. name@clinic.org. Up to 64 letters, digits "
               "or . _ % + - ' before the @, with no two dots in a row.")
NAME_PUNCTUATION = frozenset(" '\u2019.,()-")
NAME_RULES = ("may use letters, spaces, apostrophes, hyphens, periods, commas and "
              "parentheses, and must start with a letter.")
US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL",
    "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE",
    "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD",
    "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
})


def clean_text(value: str, label: str, errors: dict[str, str], field: str, required: bool,
               max_length: int = 100) -> str:
    value = " ".join(value.split())
    if required and not value:
        errors[field] = f"{label} is required."
    elif any(unicodedata.category(c) == "Cc" for c in value):
        # Control characters (bell, escape, ...) mean a paste went wrong or a probe; they
        # would end up in emails, CSV exports and Keycloak.
        errors[field] = f"{label} contains characters that can't be used; please retype it."
        value = "".join(c for c in value if unicodedata.category(c) != "Cc")
    elif len(value) > max_length:
        errors[field] = f"{label} must be at most {max_length} characters."
    return value


def clean_state(value: str, errors: dict[str, str]) -> str:
    value = value.strip().upper()
    if value not in US_STATES:
        errors["state"] = "Enter a two-letter US state, e.g. WI."
    return value


def clean_zip(value: str, errors: dict[str, str]) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{5}(-?\d{4})?", value):
        errors["zip"] = "Zip must be 5 digits (or ZIP+4), e.g. 53715."
    return value


def clean_phone(value: str, errors: dict[str, str], field: str, label: str) -> str:
    """US numbers as typed (608-555-1234, (608) 555 1234 ...), stored in E.164."""
    if not value.strip():
        errors[field] = f"{label} is required."
        return ""
    try:
        number = phonenumbers.parse(value, "US")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        errors[field] = f"{label} must be a valid phone number, e.g. 608-555-1234."
        return value.strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    try:
        number = phonenumbers.parse(e164, "US")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def clean_email(value: str, errors: dict[str, str], field: str) -> str:
    value = value.strip()
    if not value:
        errors[field] = "Email is required."
    elif not is_login_email(value):
        errors[field] = EMAIL_RULES
    return value.lower()


def is_login_email(value: str) -> bool:
    return LOGIN_EMAIL.fullmatch(value) is not None


def clean_person_name(value: str, label: str, errors: dict[str, str], field: str) -> str:
    value = clean_text(value, label, errors, field, required=True)
    if field not in errors and not is_person_name(value):
        errors[field] = f"{label} {NAME_RULES}"
    return value


def is_person_name(value: str) -> bool:
    """Letters of any script (Zoë, Nguyễn, 李), then letters, spaces and the punctuation of
    real names (O'Brien-Smith (Jr.), St. John, Jones, III). The realm's user profile holds the
    same rule as a pattern, so what this screen accepts Keycloak accepts."""
    return (bool(value) and _is_letter(value[0])
            and all(_is_letter(c) or c in NAME_PUNCTUATION for c in value))


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"
