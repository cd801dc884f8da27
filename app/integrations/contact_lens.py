"""Amazon Connect Contact Lens real-time segments as `call.transcript` events.

Contact Lens' real-time conversational analytics publishes, per voice contact, JSON events to
a Kinesis data stream ("contact analysis segment streams"): `STARTED`, then `SEGMENTS` events
whose `Segments[]` each hold one of `Utterance` (a partial result), `Transcript` (a final
segment), `Categories` or `PostContactSummary`, then `COMPLETED` or `FAILED`. A forwarder (a
Lambda on the stream) posts the events as they come; one that polls
`ListRealtimeContactAnalysisSegments` instead adds the `ContactId` to each response it posts
(the API's answer does not carry it).

- Each `Transcript` segment is one `call.transcript`: `ContactId` is the call, `ParticipantRole`
  `AGENT`/`CUSTOMER` the role (`SYSTEM`, `CUSTOM_BOT` and `SUPERVISOR` lines are skipped),
  `Content` the text (clipped to 4096 characters), `BeginOffsetMillis` the offset from the
  contact's start, `Sentiment` the sentiment (lower-cased), `LanguageCode` the language.
- `Utterance` segments are partial results: skipped (phrase spotting waits for the final
  segment). `Categories` (Contact Lens' own rules) and `PostContactSummary` are skipped, as are
  `STARTED`, `COMPLETED` and `FAILED` events and contacts of other channels than `VOICE`.
- The stream carries no clock time, only offsets from the contact's start: every segment of a
  body is stamped with the time it was received. The event id is a function of (`ContactId`,
  the segment's `Id`), so a segment delivered twice counts once.
- Segments name no agent: the aggregator attributes them to the call's agent.
"""

from __future__ import annotations

import time
from typing import Final

import msgspec

from app.events.schemas import TRANSCRIPT_TEXT_MAX, CallTranscript
from app.integrations.common import ParseResult, digest_id, truncate
from app.integrations.json_records import split_json_records

NAMESPACE: Final = "contact-lens"
ROLES: Final = {"AGENT": "agent", "CUSTOMER": "customer"}
SENTIMENTS: Final = frozenset({"positive", "neutral", "negative", "mixed"})
LANGUAGE_LIMIT: Final = 35


class TranscriptSegment(msgspec.Struct, rename="pascal"):
    id: str
    participant_role: str
    content: str
    begin_offset_millis: int | None = None
    end_offset_millis: int | None = None
    sentiment: str | None = None


class Segment(msgspec.Struct, rename="pascal"):
    transcript: TranscriptSegment | None = None
    utterance: dict[str, object] | None = None
    categories: dict[str, object] | None = None
    post_contact_summary: dict[str, object] | None = None


class SegmentEvent(msgspec.Struct, rename="pascal"):
    """One event of the segment stream (only the fields Floorwatch uses)."""

    contact_id: str
    event_type: str = "SEGMENTS"
    channel: str = "VOICE"
    language_code: str | None = None
    segments: list[Segment] = []


def parse_segments(body: bytes | str, received_ms: int | None = None) -> ParseResult:
    """Turn a batch of segment stream events into `call.transcript` events; never raises."""
    at = received_ms if received_ms is not None else int(time.time() * 1000)
    result = ParseResult()
    raw = split_json_records(body)
    result.errors.extend(raw.errors)
    for number, record_json in raw.records:
        try:
            record = msgspec.json.decode(record_json, type=SegmentEvent)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            result.error(number, f"expected a Contact Lens segment stream event: {exc}")
            continue
        if not record.contact_id:
            result.error(number, "expected a non-empty ContactId")
            continue
        if record.event_type != "SEGMENTS":
            result.skip(f"EventType {truncate(record.event_type, 32)}")
            continue
        if record.channel != "VOICE":
            result.skip(f"Channel {truncate(record.channel, 32)}")
            continue
        _segments(result, number, record, at)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _segments(result: ParseResult, number: int, record: SegmentEvent, at: int) -> None:
    language = record.language_code
    if language is not None and not 2 <= len(language) <= LANGUAGE_LIMIT:
        language = None
    for segment in record.segments:
        tr = segment.transcript
        if tr is None:
            result.skip(_other_kind(segment))
            continue
        role = ROLES.get(tr.participant_role)
        if role is None:
            result.skip(f"ParticipantRole {truncate(tr.participant_role, 32)}")
            continue
        sentiment = tr.sentiment.lower() if tr.sentiment else None
        offset = tr.begin_offset_millis
        result.add(
            number,
            CallTranscript(
                id=digest_id(NAMESPACE, record.contact_id, tr.id),
                ts=at,
                call_id=truncate(record.contact_id, 128),
                role=role,  # type: ignore[arg-type]
                text=truncate(tr.content, TRANSCRIPT_TEXT_MAX),
                offset_ms=offset if offset is not None and offset >= 0 else None,
                language=language,
                sentiment=sentiment if sentiment in SENTIMENTS else None,  # type: ignore[arg-type]
            ),
        )


def _other_kind(segment: Segment) -> str:
    if segment.utterance is not None:
        return "Utterance (partial)"
    if segment.categories is not None:
        return "Categories"
    if segment.post_contact_summary is not None:
        return "PostContactSummary"
    return "empty segment"
