"""Salesforce OpportunityChangeEvents: golden output (bare events, CometD messages, payload
envelopes, a merged change of two records, gap and delete events, a broken line), and
duplicates."""

from __future__ import annotations

import json

from app.events.schemas import DealLost, DealStageChanged, DealWon, event_type
from app.integrations.crm import CrmMapping
from app.integrations.salesforce import parse_opportunity_changes
from tests.integrations.golden import SAMPLES, golden

SAMPLE = SAMPLES / "salesforce_opportunity_changes.ndjson"
MAPPING = CrmMapping(owners={"0055e000004XyZaAAK": "anna", "0055e000004QwErAAK": "marek"})


def test_sample_matches_its_golden_output() -> None:
    result = parse_opportunity_changes(SAMPLE.read_bytes(), MAPPING)
    expected, actual = golden("salesforce_opportunity_changes.expected.json", result)
    assert actual == expected


def test_a_redelivered_event_is_a_duplicate() -> None:
    lines = SAMPLE.read_bytes().splitlines()
    first = parse_opportunity_changes(lines[1])
    again = parse_opportunity_changes(lines[2])
    assert len(first.events) == 1
    assert [e.id for e in first.events] == [e.id for e in again.events]
    assert parse_opportunity_changes(SAMPLE.read_bytes()).skipped["duplicate"] == 1


def test_the_mapping_of_changes() -> None:
    events = parse_opportunity_changes(SAMPLE.read_bytes(), MAPPING).events
    by_type = [(event_type(e), getattr(e, "deal_id", None)) for e in events]
    assert by_type == [
        ("deal.created", "0065e00000AbCdEAAV"),
        ("deal.stage_changed", "0065e00000AbCdEAAV"),
        ("deal.stage_changed", "0065e00000AbCdEAAV"),
        ("deal.won", "0065e00000AbCdEAAV"),
        ("deal.lost", "0065e00000AbCdFAAV"),
        ("deal.lost", "0065e00000AbCdGAAV"),
        ("deal.created", "0065e00000AbCdKAAV"),
        ("deal.won", "0065e00000AbCdKAAV"),
    ]
    handed_over = events[2]
    assert isinstance(handed_over, DealStageChanged)
    assert (handed_over.stage, handed_over.agent) == ("Proposal/Price Quote", "marek")
    won = events[3]
    assert isinstance(won, DealWon)
    assert won.amount == 41500.0
    assert won.agent is None
    lost = events[4]
    assert isinstance(lost, DealLost)
    assert lost.reason == "Closed Lost"


def test_skips_and_errors_are_counted_by_reason_and_line() -> None:
    result = parse_opportunity_changes(SAMPLE.read_bytes())
    assert dict(result.skipped) == {
        "duplicate": 1,
        "update without a stage change": 1,
        "DELETE": 1,
        "GAP_UPDATE": 1,
        "entity Account": 1,
    }
    assert [e.line_no for e in result.errors] == [12, 13]


def test_reopening_a_closed_opportunity_is_skipped() -> None:
    """The pipeline keeps a won or lost deal closed, so a reopen has no event to become."""
    body = json.dumps(
        {
            "ChangeEventHeader": {
                "entityName": "Opportunity",
                "recordIds": ["0065e00000AbCdFAAV"],
                "changeType": "UPDATE",
                "changedFields": ["StageName", "IsClosed", "LastModifiedDate"],
                "commitTimestamp": 1772960400000,
                "transactionKey": "00027a1c-8f52-4c1e-b1d3-4cf2c1a0a0ff",
                "sequenceNumber": 1,
            },
            "StageName": "Negotiation/Review",
            "IsClosed": False,
        }
    )
    result = parse_opportunity_changes(body)
    assert result.events == []
    assert dict(result.skipped) == {"reopened": 1}
