"""The rules for a person's contact details, wherever they are typed: a
visitor profile (supervisor) and an offline message (widget)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

PHONE_CHARS = frozenset("0123456789+-. ()")


def clean_email(value: str) -> str:
    """The address normalised; ValueError (saying why) when it is not one."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as e:
        raise ValueError(str(e)) from e


def clean_phone(value: str) -> str:
    """The number as typed; ValueError when it is not 6 to 15 digits with
    only + - . ( ) and spaces between them."""
    digits = sum(c.isdigit() for c in value)
    if not set(value) <= PHONE_CHARS or not 6 <= digits <= 15:
        raise ValueError("must be 6 to 15 digits, with + - . ( ) and spaces only")
    return value
