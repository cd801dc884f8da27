"""HubSpot deal webhooks: golden output of a realistic batch, retries as duplicates, the
per-tenant stage mapping, and the v3 signature (good, tampered, wrong secret, stale)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from app.events.schemas import DealCreated, DealLost, DealWon, event_type
from app.integrations.crm import CrmMapping
from app.integrations.hubspot import (
    SignatureRefused,
    check_hubspot_signature,
    compute_hubspot_signature,
    parse_hubspot_webhooks,
)
from tests.integrations.golden import SAMPLES, golden

SAMPLE = SAMPLES / "hubspot_webhooks.json"
MAPPING = CrmMapping(
    stages={"appointmentscheduled": "Appointment scheduled", "qualifiedtobuy": "Qualified"},
    owners={"81234567": "anna", "81234599": "marek"},
)
SECRET = "8b4e1f0a-3c2d-4e5f-9a6b-7c8d9e0f1a2b"
URL = "https://floorwatch.example.com/v1/integrations/hubspot/webhooks/7"
NOW = 1_772_442_000_000


def test_sample_matches_its_golden_output() -> None:
    result = parse_hubspot_webhooks(SAMPLE.read_bytes(), MAPPING)
    expected, actual = golden("hubspot_webhooks.expected.json", result)
    assert actual == expected


def test_properties_set_at_creation_fold_into_deal_created() -> None:
    events = parse_hubspot_webhooks(SAMPLE.read_bytes(), MAPPING).events
    created = [e for e in events if isinstance(e, DealCreated) and e.deal_id == "18442950112"]
    assert len(created) == 1
    assert (created[0].stage, created[0].amount, created[0].agent) == (
        "Appointment scheduled",
        24000.0,
        "anna",
    )
    lifecycle = [event_type(e) for e in events if getattr(e, "deal_id", "") == "18442950112"]
    assert lifecycle == ["deal.created", "deal.stage_changed", "deal.stage_changed", "deal.won"]
    won = [e for e in events if isinstance(e, DealWon) and e.deal_id == "18442950112"]
    assert won[0].amount == 26500.5  # the amount set a day before the win, in the same batch


def test_a_retried_request_is_a_duplicate() -> None:
    items = json.loads(SAMPLE.read_text())
    retried = [dict(item, attemptNumber=4) if isinstance(item, dict) else item for item in items]
    first = parse_hubspot_webhooks(SAMPLE.read_bytes(), MAPPING).events
    again = parse_hubspot_webhooks(json.dumps(retried), MAPPING).events
    assert first
    assert [e.id for e in first] == [e.id for e in again]


def test_the_tenant_decides_which_stages_win_and_lose() -> None:
    body = json.dumps(
        [
            {
                "eventId": 1,
                "portalId": 9,
                "occurredAt": NOW,
                "subscriptionType": "deal.propertyChange",
                "objectId": 55,
                "propertyName": "dealstage",
                "propertyValue": stage,
            }
            for stage in ("98765", "closedwon")
        ]
    )
    default = parse_hubspot_webhooks(body)
    assert [event_type(e) for e in default.events] == ["deal.stage_changed", "deal.won"]
    custom = parse_hubspot_webhooks(
        body, CrmMapping(stages={"98765": "Signed"}, won_stages=frozenset({"98765"}))
    )
    assert [event_type(e) for e in custom.events] == ["deal.won", "deal.stage_changed"]
    lost = parse_hubspot_webhooks(body, CrmMapping(lost_stages=frozenset({"closedwon"})))
    assert isinstance(lost.events[1], DealLost)


def _documented_signature(secret: str, method: str, uri: str, body: str, ts: str) -> str:
    """HubSpot's recipe, written out independently of the adapter."""
    source = f"{method}{uri}{body}{ts}".encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def test_signature_follows_the_documented_recipe() -> None:
    body = SAMPLE.read_bytes()
    ts = str(NOW)
    expected = _documented_signature(SECRET, "POST", URL, body.decode(), ts)
    assert compute_hubspot_signature(SECRET, "POST", URL, body, ts) == expected
    check_hubspot_signature(SECRET, "POST", URL, body, expected, ts, NOW + 299_000)


def test_signature_decodes_the_escapes_hubspot_decodes() -> None:
    escaped = URL + "?tag=a%3Ab%2Cc%20d"
    decoded = URL + "?tag=a:b,c%20d"
    signature = _documented_signature(SECRET, "POST", decoded, "[]", str(NOW))
    check_hubspot_signature(SECRET, "POST", escaped, b"[]", signature, str(NOW), NOW)


@pytest.mark.parametrize(
    ("secret", "body", "timestamp", "now", "why"),
    [
        ("another secret", b"[]", str(NOW), NOW, "does not match"),
        (SECRET, b'[{"objectId": 1}]', str(NOW), NOW, "does not match"),
        (SECRET, b"[]", str(NOW), NOW + 300_001, "more than 5 minutes"),
        (SECRET, b"[]", str(NOW), NOW - 300_001, "more than 5 minutes"),
        (SECRET, b"[]", "yesterday", NOW, "epoch milliseconds"),
        (SECRET, b"[]", "", NOW, "missing"),
    ],
)
def test_signature_refusals(secret: str, body: bytes, timestamp: str, now: int, why: str) -> None:
    signature = _documented_signature(secret, "POST", URL, "[]", timestamp)
    with pytest.raises(SignatureRefused, match=why):
        check_hubspot_signature(SECRET, "POST", URL, body, signature, timestamp, now)


def test_a_body_that_is_not_json_is_one_error() -> None:
    result = parse_hubspot_webhooks(b"[{")
    assert result.events == []
    assert [e.line_no for e in result.errors] == [1]
