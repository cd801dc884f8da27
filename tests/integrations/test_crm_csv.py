"""`floorwatch replay --format crm-csv`: golden output of an opportunities export, header
aliases of the CRMs' exports, and how a closed deal is recognised."""

from __future__ import annotations

import pytest

from app.events.schemas import DealCreated, DealLost, DealWon, event_type
from app.integrations.crm_csv import parse_crm_csv
from tests.integrations.golden import SAMPLES, golden

SAMPLE = SAMPLES / "crm_opportunities.csv"


def test_sample_matches_its_golden_output() -> None:
    result = parse_crm_csv(SAMPLE.read_text(), "Europe/Warsaw")
    expected, actual = golden("crm_opportunities.expected.json", result)
    assert actual == expected


def test_loading_the_same_export_twice_gives_the_same_ids() -> None:
    first = parse_crm_csv(SAMPLE.read_text(), "Europe/Warsaw")
    again = parse_crm_csv(SAMPLE.read_text(), "Europe/Warsaw")
    assert first.events
    assert [e.id for e in first.events] == [e.id for e in again.events]
    assert first.skipped["duplicate"] == 2  # the repeated row's two events


def test_a_pipedrive_export_with_status_and_semicolons() -> None:
    text = (
        "Deal - ID;Deal - Owner;Deal - Stage;Deal - Deal created;Deal - Won time;"
        "Deal - Value;Deal - Status\n"
        "17;anna;Proposal;2026-02-02 09:15:00;2026-02-20 10:00:00;1200;won\n"
        "18;marek;Proposal;2026-02-03 09:15:00;;800;open\n"
    )
    events = parse_crm_csv(text).events
    assert [event_type(e) for e in events] == ["deal.created", "deal.won", "deal.created"]
    won = events[1]
    assert isinstance(won, DealWon)
    assert (won.amount, won.agent) == (1200.0, "anna")
    open_deal = events[2]
    assert isinstance(open_deal, DealCreated)
    assert open_deal.stage == "Proposal"


def test_salesforce_report_flags() -> None:
    text = (
        "Opportunity ID,Owner,Stage,Created Date,Close Date,Amount,IsWon,IsClosed\n"
        "006A,anna,Signed,2026-01-10,2026-01-20,500,true,true\n"
        "006B,anna,Dead,2026-01-11,2026-01-21,500,false,true\n"
    )
    events = parse_crm_csv(text).events
    assert [event_type(e) for e in events] == [
        "deal.created",
        "deal.won",
        "deal.created",
        "deal.lost",
    ]
    assert isinstance(events[3], DealLost)


@pytest.mark.parametrize("header", ["Name,Owner\n", "Opportunity ID,Owner\n"])
def test_a_header_without_the_required_columns_is_one_clear_error(header: str) -> None:
    result = parse_crm_csv(header + "x,y\n")
    assert result.events == []
    assert [e.line_no for e in result.errors] == [1]
    assert "created" in result.errors[0].reason
