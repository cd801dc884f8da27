"""Split a request body of JSON records into one raw record per event, without ever raising.

Platforms and their forwarders send the same records in different envelopes: a JSON array (what
a Lambda or an ESL forwarder posts), a single JSON object (one webhook call), NDJSON (a log file
or a replay), or objects written back to back with no separator (what Kinesis Data Firehose
writes to S3). All four are accepted. A record is numbered by its position in the body, from 1
(the first array element, or the first object on the first line), and that number is the
`line_no` of any error about it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import msgspec

from app.integrations.common import LineError

_DECODER = json.JSONDecoder()


@dataclass(frozen=True, slots=True)
class RawRecords:
    """The records of one body, each still JSON text, with the numbers of the records kept."""

    records: list[tuple[int, bytes]]
    errors: list[LineError]


def split_json_records(body: bytes | str) -> RawRecords:
    """Cut `body` into JSON records; text that is not JSON becomes an error, never an exception."""
    text = _as_text(body)
    if text is None:
        return RawRecords([], [LineError(1, "expected UTF-8 JSON, got undecodable bytes")])
    stripped = text.strip()
    if not stripped:
        return RawRecords([], [])
    if stripped.startswith("["):
        return _split_array(stripped)
    return _split_lines(stripped)


def _as_text(body: bytes | str) -> str | None:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _split_array(text: str) -> RawRecords:
    try:
        items = msgspec.json.decode(text.encode(), type=list[msgspec.Raw])
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
        return RawRecords([], [LineError(1, f"expected a JSON array of records: {exc}")])
    return RawRecords([(number, bytes(item)) for number, item in enumerate(items, 1)], [])


def _split_lines(text: str) -> RawRecords:
    """NDJSON, one object, or objects back to back; a broken line costs only that line."""
    records: list[tuple[int, bytes]] = []
    errors: list[LineError] = []
    number = 0
    for line in text.splitlines():
        position = 0
        while True:
            while position < len(line) and line[position].isspace():
                position += 1
            if position >= len(line):
                break
            number += 1
            try:
                _, end = _DECODER.raw_decode(line, position)
            except (ValueError, RecursionError) as exc:
                errors.append(LineError(number, f"expected a JSON record: {exc}"))
                break
            records.append((number, line[position:end].encode()))
            position = end
    return RawRecords(records, errors)
