"""A partition counts as catching up (checkpointed at most every CATCH_UP_CHECKPOINT_S, so the
replay keeps the CPU) while its last applied entry is older than CATCH_UP_LAG_MS."""

from __future__ import annotations

from app.streams.worker import CATCH_UP_LAG_MS, catching_up

NOW = 1_764_000_000_000


def test_an_old_entry_means_catching_up() -> None:
    assert catching_up(f"{NOW - CATCH_UP_LAG_MS - 1}-0", NOW)
    assert catching_up(f"{NOW - 3_600_000}-17", NOW)


def test_a_recent_entry_or_no_entry_is_live() -> None:
    assert not catching_up(f"{NOW - CATCH_UP_LAG_MS}-0", NOW)
    assert not catching_up(f"{NOW - 20}-3", NOW)
    assert not catching_up("0", NOW - CATCH_UP_LAG_MS + 1)  # nothing applied yet
    assert not catching_up("0", 0)
