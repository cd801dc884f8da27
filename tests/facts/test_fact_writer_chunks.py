"""SQLite fact inserts come in few statement shapes (app/facts/writer.py `shaped_chunks`): each
row count is another SQL text kept in the driver's statement cache, so the counts must repeat."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.facts.writer import LARGEST_CHUNK, shaped_chunks


@given(st.integers(min_value=0, max_value=5000))
def test_chunks_keep_every_row_in_order_in_power_of_two_sizes(count: int) -> None:
    rows = list(range(count))
    chunks = list(shaped_chunks(rows))
    assert [row for chunk in chunks for row in chunk] == rows
    sizes = [len(chunk) for chunk in chunks]
    assert all(size & (size - 1) == 0 and 0 < size <= LARGEST_CHUNK for size in sizes)
    assert sizes == sorted(sizes, reverse=True)


def test_any_run_uses_at_most_ten_shapes() -> None:
    shapes = {len(chunk) for count in range(1, 3000) for chunk in shaped_chunks(list(range(count)))}
    assert shapes == {2**power for power in range(10)}
