"""Neptun codes: the 6-character student identifiers of Hungarian universities."""

import re

NEPTUN_PATTERN = re.compile(r"[A-Z0-9]{6}")
TYPED_PATTERN = re.compile(r"[A-Za-z0-9]{6}", re.ASCII)
NEPTUN_HELP = "A Neptun code is exactly 6 characters, letters A–Z and digits 0–9, for example ABC123."


class InvalidNeptunCode(ValueError):
    """The text is not a Neptun code; str(error) is a message for the person who typed it."""


def neptun_normalize(raw: object) -> str:
    """Return the canonical (trimmed, upper-case) Neptun code or raise InvalidNeptunCode."""
    if not isinstance(raw, str):
        raise InvalidNeptunCode(NEPTUN_HELP)
    stripped = raw.strip()
    # Check the ASCII form before upper-casing: str.upper() maps some non-ASCII letters to ASCII.
    if not TYPED_PATTERN.fullmatch(stripped):
        shown = stripped[:20]
        raise InvalidNeptunCode(f"“{shown}” is not a Neptun code. {NEPTUN_HELP}" if shown else NEPTUN_HELP)
    return stripped.upper()


def neptun_is_valid(raw: object) -> bool:
    try:
        neptun_normalize(raw)
    except InvalidNeptunCode:
        return False
    return True
