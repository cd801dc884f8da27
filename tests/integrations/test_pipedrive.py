"""Pipedrive webhooks v2: golden output of a realistic sequence of deal notifications, retries
as duplicates, and the mapping of stage, owner and pipeline ids."""

from __future__ import annotations

import json

from app.events.schemas import DealCreated, DealLost, DealStageChanged, DealWon, event_type
from app.integrations.crm import CrmMapping
from app.integrations.pipedrive import parse_pipedrive_webhooks
from tests.integrations.golden import SAMPLES, golden

SAMPLE = SAMPLES / "pipedrive_webhooks.json"
MAPPING = CrmMapping(
    stages={"1": "Qualified", "2": "Proposal"},
    owners={"13245678": "anna", "13245699": "marek"},
    pipelines={"1": "Sales"},
)


def notifications() -> list[dict[str, object]]:
    loaded: list[dict[str, object]] = json.loads(SAMPLE.read_text())
    return loaded


def test_sample_matches_its_golden_output() -> None:
    result = parse_pipedrive_webhooks(SAMPLE.read_bytes(), MAPPING)
    expected, actual = golden("pipedrive_webhooks.expected.json", result)
    assert actual == expected


def test_each_notification_alone_gives_the_same_events_as_the_batch() -> None:
    """Pipedrive posts one notification per request: the endpoint's unit is one object."""
    batch = parse_pipedrive_webhooks(SAMPLE.read_bytes(), MAPPING)
    one_by_one = [
        event
        for item in notifications()
        for event in parse_pipedrive_webhooks(json.dumps(item), MAPPING).events
    ]
    assert [e.id for e in batch.events] == list(dict.fromkeys(e.id for e in one_by_one))


def test_a_retried_delivery_has_the_same_event_ids() -> None:
    move = notifications()[1]
    retry = json.loads(json.dumps(move))
    retry["meta"]["attempt"] = 3
    retry["meta"]["id"] = "another-delivery-id"
    first = parse_pipedrive_webhooks(json.dumps(move)).events
    again = parse_pipedrive_webhooks(json.dumps(retry)).events
    assert len(first) == 1
    assert [e.id for e in first] == [e.id for e in again]


def test_the_lifecycle_of_a_deal_maps_to_the_canonical_events() -> None:
    events = [
        e
        for e in parse_pipedrive_webhooks(SAMPLE.read_bytes(), MAPPING).events
        if getattr(e, "deal_id", None) == "1041"
    ]
    assert [event_type(e) for e in events] == [
        "deal.created",
        "deal.stage_changed",
        "deal.stage_changed",
        "deal.won",
    ]
    created, moved, handed_over, won = events
    assert isinstance(created, DealCreated)
    assert (created.stage, created.pipeline, created.agent) == ("Qualified", "Sales", "anna")
    assert (created.amount, created.currency) == (12000.0, "PLN")
    assert isinstance(moved, DealStageChanged)
    assert moved.stage == "Proposal"
    assert moved.agent is None
    assert isinstance(handed_over, DealStageChanged)
    assert (handed_over.stage, handed_over.agent) == ("Proposal", "marek")
    assert isinstance(won, DealWon)
    assert (won.amount, won.agent) == (13500.0, "marek")
    assert won.ms > handed_over.ms > moved.ms > created.ms


def test_lost_and_deleted_deals() -> None:
    result = parse_pipedrive_webhooks(SAMPLE.read_bytes(), MAPPING)
    lost = {e.deal_id: e for e in result.events if isinstance(e, DealLost)}
    assert lost["1042"].reason == "Price too high"
    assert lost["1043"].reason == "deleted"


def test_deleting_a_closed_deal_changes_nothing() -> None:
    item = notifications()[8]
    item["previous"]["status"] = "won"  # type: ignore[index]
    result = parse_pipedrive_webhooks(json.dumps(item))
    assert result.events == []
    assert result.errors == []


def test_bad_records_cost_only_themselves() -> None:
    body = json.dumps([*notifications()[:1], {"meta": "nope"}, [1, 2], *notifications()[5:6]])
    body = body[:-1] + ', {"broken": ]'
    result = parse_pipedrive_webhooks(body)
    assert [event_type(e) for e in result.events] == []
    assert [e.line_no for e in result.errors] == [1]
    ndjson = "\n".join(
        [
            json.dumps(notifications()[0]),
            '{"meta": "nope"}',
            "[1, 2]",
            "{broken",
            json.dumps(notifications()[5]),
        ]
    )
    result = parse_pipedrive_webhooks(ndjson)
    assert [event_type(e) for e in result.events] == ["deal.created", "deal.won"]
    assert [e.line_no for e in result.errors] == [2, 3, 4]


def test_a_deleted_deal_whose_status_says_deleted_is_lost() -> None:
    item = notifications()[8]
    deal = item["previous"]
    assert isinstance(deal, dict)
    item["data"], item["previous"] = {**deal, "status": "deleted"}, None
    events = parse_pipedrive_webhooks(json.dumps(item)).events
    assert len(events) == 1
    assert isinstance(events[0], DealLost)
    assert events[0].reason == "deleted"
