"""Caller numbers: how a number sent by a platform becomes the key of the call-back list, and
how it is shown to someone who may not see it whole.

Normalising happens in two steps. On decode (`clean_caller`) the spelling is made uniform:
spaces, dashes, dots, slashes and brackets go, a leading `00` becomes `+`, and a withheld
caller id (`anonymous`, `restricted`, ...) becomes None, since nobody can call it back. In the
aggregator (`with_country_code`) a national number (no `+`) gets the tenant's default country
code, its trunk `0` dropped, so `0601 234 567` and `+48 601 234 567` are one caller.

A number is never written to a log: error messages name the field, not its value.
"""

from __future__ import annotations

import re
from typing import Final

WITHHELD: Final = frozenset(
    {"anonymous", "unknown", "private", "restricted", "unavailable", "withheld", "hidden"}
)
_SEPARATORS: Final = re.compile(r"[\s\-./()]+")
_NUMBER: Final = re.compile(r"\+?[0-9]{3,20}")
MAX_CALLER_LENGTH: Final = 64
CALLER_RULE: Final = (
    "caller must be a phone number: 3 to 20 digits, optionally with a leading + or 00, "
    "spaces, dashes, dots and brackets allowed; or a withheld id such as `anonymous`"
)
MASK: Final = "••• •••"

# ITU-T E.164 country codes of one and two digits; every other code has three.
_ONE_DIGIT: Final = frozenset({"1", "7"})
_TWO_DIGITS: Final = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
})  # fmt: skip
COUNTRY_CODE: Final = re.compile(r"[1-9][0-9]{0,2}")


def clean_caller(raw: str) -> str | None:
    """The number in one spelling (`+48601234567`, or national digits as sent), or None for a
    withheld caller id. Raises ValueError (without the value) for anything else."""
    if raw.strip().lower() in WITHHELD:
        return None
    number = _SEPARATORS.sub("", raw)
    if number.startswith("00"):
        number = "+" + number[2:]
    if not _NUMBER.fullmatch(number):
        raise ValueError(CALLER_RULE)
    return number


def with_country_code(number: str, country_code: str | None) -> str:
    """A national number with the tenant's country code (`0601234567`, `48` ->
    `+48601234567`); an international one, or any number when the tenant has no default, as
    it is."""
    if number.startswith("+") or not country_code:
        return number
    return f"+{country_code}{number.lstrip('0') or number}"


def country_code_of(number: str) -> str | None:
    """The country code of an international number (`+48601234567` -> `48`)."""
    if not number.startswith("+"):
        return None
    digits = number[1:]
    for size, codes in ((1, _ONE_DIGIT), (2, _TWO_DIGITS)):
        if digits[:size] in codes:
            return digits[:size]
    return digits[:3]


def mask(number: str) -> str:
    """What display links and the `display` and `agent` roles see: the country code and the
    last three digits (`+48 ••• ••• 567`); a national number shows its last three only."""
    code = country_code_of(number)
    tail = number[-3:]
    return f"+{code} {MASK} {tail}" if code is not None else f"{MASK} {tail}"


_BRACKETED: Final = re.compile(r"<([^<>]*)>")
_URI: Final = re.compile(r"^(?:sips?|tel):([^@;]+)", re.IGNORECASE)


def caller_from_platform(raw: str | None) -> str | None:
    """The caller number in what a platform sends (`"Anna" <0601234567>`, `sip:+48601@pbx`,
    `tel:+48601234567`, a bare number), cleaned; None when it holds no number an agent could
    call back (withheld, empty, a SIP user name). Adapters use this: a caller id they cannot
    read must not cost the call event."""
    if not raw:
        return None
    value = raw.strip()
    bracketed = _BRACKETED.search(value)
    if bracketed:
        value = bracketed.group(1).strip()
    uri = _URI.match(value)
    if uri:
        value = uri.group(1)
    if len(value) > MAX_CALLER_LENGTH:
        return None
    try:
        return clean_caller(value)
    except ValueError:
        return None
