"""Every adapter parser takes hostile bytes (deep nesting, invalid UTF-8, huge strings, NUL
bytes, lone carriage returns) without raising: problems come back as numbered errors, and
every event it does produce is one the ingest API accepts."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from app.events.schemas import AnyEvent
from app.integrations.asterisk import parse_queue_log
from app.integrations.common import ParseResult, text_lines
from app.integrations.connect import parse_agent_events, parse_contact_records
from app.integrations.contact_lens import parse_segments
from app.integrations.crm_csv import parse_crm_csv
from app.integrations.freeswitch import parse_callcenter_events
from app.integrations.hubspot import parse_hubspot_webhooks
from app.integrations.pipedrive import parse_pipedrive_webhooks
from app.integrations.salesforce import parse_opportunity_changes
from app.integrations.technion import parse_technion
from app.integrations.twilio import parse_form, taskrouter_to_events

decode_event = msgspec.json.Decoder(AnyEvent).decode

PARSERS: dict[str, Callable[[bytes], ParseResult]] = {
    "asterisk": lambda body: parse_queue_log(text_lines(body)),
    "technion": lambda body: parse_technion(text_lines(body)),
    "connect agent events": parse_agent_events,
    "connect ctr": parse_contact_records,
    "freeswitch": parse_callcenter_events,
    "twilio": lambda body: taskrouter_to_events(parse_form(body)),
    "pipedrive": parse_pipedrive_webhooks,
    "hubspot": parse_hubspot_webhooks,
    "salesforce": parse_opportunity_changes,
    "crm csv": lambda body: parse_crm_csv(body.decode("utf-8", errors="replace")),
    "contact lens": lambda body: parse_segments(body, received_ms=1_700_000_000_000),
}

DEPTH = 200_000
HOSTILE: dict[str, bytes] = {
    "deep array": b"[" * DEPTH + b"]" * DEPTH,
    "deep object": b'{"a":' * DEPTH + b"1" + b"}" * DEPTH,
    "deep record in NDJSON": b'{"EventType":' * 5_000 + b"1" + b"}" * 5_000 + b"\n{}\n",
    "deep record in an array": b'[{"EventType":' + b"[" * 5_000 + b"]" * 5_000 + b"}]",
    "invalid UTF-8": b'[{"EventType":"\xff\xfe","ContactId":"\xc3\x28"}]\n1700000000|\xff|q|a|X',
    "huge string": b'[{"EventType":"' + b"A" * 2_000_000 + b'"}]',
    "huge line": b"1700000000|c|" + b"q" * 2_000_000 + b"|a|ENTERQUEUE|||1",
    "NUL bytes": b"\x00" * 1000 + b"\n" + b"1700000000|c\x00|q|a|ENTERQUEUE|\x00",
    "carriage returns": b"\r" * 1000 + b"EventType=task.created\r\rTaskSid=\r",
    "form junk": b"%ff%fe=%00&EventType=%ZZ&&&=&TaskSid=" + b"%" * 1000,
}


@pytest.mark.parametrize("parser", sorted(PARSERS))
@pytest.mark.parametrize("body", sorted(HOSTILE))
def test_hostile_bodies_are_errors_never_exceptions(parser: str, body: str) -> None:
    result = PARSERS[parser](HOSTILE[body])

    assert all(error.line_no >= 1 and error.reason for error in result.errors)
    for event in result.events:
        assert decode_event(msgspec.json.encode(event)) == event
    assert result.events or result.errors or result.skipped or not HOSTILE[body].strip()
