"""The Contact Lens real-time segments adapter: golden output, and what it skips and refuses."""

from __future__ import annotations

import json
from collections import Counter

import msgspec

from app.events.schemas import CallTranscript
from app.integrations.contact_lens import parse_segments
from tests.integrations.golden import SAMPLES, golden

SAMPLE = SAMPLES / "connect_contact_lens_segments.json"
RECEIVED_MS = 1_764_928_800_000  # 2025-12-05T10:00:00Z


def test_sample_matches_its_golden_output() -> None:
    result = parse_segments(SAMPLE.read_bytes(), received_ms=RECEIVED_MS)
    expected, actual = golden("connect_contact_lens_segments.expected.json", result)
    assert actual == expected


def test_final_segments_become_transcripts_with_role_offset_sentiment_and_language() -> None:
    result = parse_segments(SAMPLE.read_bytes(), received_ms=RECEIVED_MS)
    events = [e for e in result.events if isinstance(e, CallTranscript)]
    assert len(events) == len(result.events) == 5
    first = events[0]
    assert (first.role, first.offset_ms, first.sentiment, first.language, first.ms) == (
        "agent", 2100, "neutral", "pl-PL", RECEIVED_MS,
    )  # fmt: skip
    assert first.text.startswith("Dzień dobry, nazywam się")
    assert [e.role for e in events] == ["agent", "customer", "agent", "agent", "customer"]
    assert [e.sentiment for e in events][-1] == "mixed"


def test_partials_categories_session_events_other_roles_and_channels_are_skipped() -> None:
    result = parse_segments(SAMPLE.read_bytes(), received_ms=RECEIVED_MS)
    assert result.skipped == Counter(
        {
            "Utterance (partial)": 1,
            "Categories": 1,
            "PostContactSummary": 1,
            "EventType STARTED": 1,
            "EventType COMPLETED": 1,
            "ParticipantRole SYSTEM": 1,
            "Channel CHAT": 1,
            "duplicate": 1,
        }
    )


def test_malformed_events_are_reported_by_number_and_the_rest_kept() -> None:
    result = parse_segments(SAMPLE.read_bytes(), received_ms=RECEIVED_MS)
    assert [error.line_no for error in result.errors] == [7, 8, 9]
    assert "ContactId" in result.errors[0].reason
    assert "Content" in result.errors[1].reason


def test_a_resent_segment_keeps_its_id_whenever_it_arrives() -> None:
    record = json.loads(SAMPLE.read_text())[1]
    early = parse_segments(json.dumps(record), received_ms=RECEIVED_MS)
    late = parse_segments(json.dumps(record), received_ms=RECEIVED_MS + 60_000)
    assert [e.id for e in early.events] == [e.id for e in late.events]
    assert [e.ms for e in late.events] == [RECEIVED_MS + 60_000] * 2


def test_long_content_is_clipped_to_the_event_limit() -> None:
    record = {
        "ContactId": "c",
        "EventType": "SEGMENTS",
        "Segments": [
            {"Transcript": {"Id": "x", "ParticipantRole": "AGENT", "Content": "ą" * 9000}}
        ],
    }
    result = parse_segments(msgspec.json.encode(record), received_ms=RECEIVED_MS)
    (event,) = result.events
    assert isinstance(event, CallTranscript)
    assert len(event.text) == 4096
