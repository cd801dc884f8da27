"""Caller numbers: one spelling per number, withheld ids dropped, bad ones refused without
echoing the value, national numbers completed with the tenant's country code, masks."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.events.caller_numbers import (
    caller_from_platform,
    clean_caller,
    country_code_of,
    mask,
    with_country_code,
)
from app.events.schemas import AnyEvent, CallConnected, CallDialed, CallQueued

decode = msgspec.json.Decoder(AnyEvent).decode


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("+48 601 234 567", "+48601234567"),
        ("0048-601-234-567", "+48601234567"),
        ("(0601) 234.567", "0601234567"),
        ("+1 (202) 555-0100", "+12025550100"),
        ("Anonymous", None),
        ("restricted", None),
    ],
)
def test_clean_caller(raw: str, clean: str | None) -> None:
    assert clean_caller(raw) == clean


@pytest.mark.parametrize("raw", ["abc", "+48 601 abc", "12", "+" + "1" * 21, "++48601234567"])
def test_a_caller_that_is_no_number_is_refused_without_its_value(raw: str) -> None:
    with pytest.raises(ValueError, match="caller must be a phone number") as info:
        clean_caller(raw)
    assert raw not in str(info.value)


def test_events_carry_the_caller_cleaned_and_refuse_a_bad_one() -> None:
    for cls, extra in ((CallQueued, '"queue":"q"'), (CallDialed, '"agent":"a"')):
        tag = cls.__struct_config__.tag
        body = f'{{"type":"{tag}","id":"1","ts":1,"call_id":"c",{extra},"caller":"00 48 601"}}'
        assert decode(body.encode()).caller == "+48601"  # type: ignore[union-attr]
    event = decode(b'{"type":"call.connected","id":"1","ts":1,"call_id":"c","agent":"a"}')
    assert isinstance(event, CallConnected)
    assert event.caller is None
    secret = "+48 60x 234 567"
    bad = f'{{"type":"call.queued","id":"1","ts":1,"call_id":"c","queue":"q","caller":"{secret}"}}'
    with pytest.raises(msgspec.ValidationError, match="caller must be") as info:
        decode(bad.encode())
    assert secret not in str(info.value)


def test_national_numbers_get_the_country_code() -> None:
    assert with_country_code("0601234567", "48") == "+48601234567"
    assert with_country_code("601234567", "48") == "+48601234567"
    assert with_country_code("+441632960123", "48") == "+441632960123"
    assert with_country_code("0601234567", None) == "0601234567"


def test_masks_keep_the_country_code_and_the_last_three_digits() -> None:
    assert mask("+48601234567") == "+48 ••• ••• 567"
    assert mask("+12025550100") == "+1 ••• ••• 100"
    assert mask("+380441234567") == "+380 ••• ••• 567"
    assert mask("0601234567") == "••• ••• 567"
    assert country_code_of("+441632960123") == "44"


@given(st.from_regex(r"\+?[0-9]{3,20}", fullmatch=True))
def test_a_mask_never_shows_more_than_code_and_tail(number: str) -> None:
    shown = mask(number)
    digits = "".join(ch for ch in shown if ch.isdigit())
    code = country_code_of(number) or ""
    assert digits == code + number[-3:]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ('"Jane Doe" <0601234567>', "0601234567"),
        ("sip:+48601234567@pbx.example.com", "+48601234567"),
        ("tel:+48-601-234-567", "+48601234567"),
        ("client:alice", None),
        ("anonymous", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_caller_ids(raw: str | None, number: str | None) -> None:
    assert caller_from_platform(raw) == number
