"""Field checks shared by the enrollment screens; each writes its own message into ``errors``."""

from __future__ import annotations

import re

import phonenumbers

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
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
    elif not EMAIL.match(value) or len(value) > 254:
        errors[field] = "Enter a valid email address, e.g. name@clinic.org."
    return value.lower()
