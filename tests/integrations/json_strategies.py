"""Hypothesis strategies for adapter robustness: arbitrary JSON, and real records bent out of shape.

Random JSON rarely looks like a platform record, so `mutated_records` starts from real samples
and breaks them where an adapter looks: it deletes keys, swaps values for values of other types
and nulls, deep inside the nested objects as well as at the top.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "2024-03-04T09:00:00Z", "2024-03-04 09:00", "9999-12-31T23:59:59Z"])
)

json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.append((*prefix, index))
            found.extend(_paths(child, (*prefix, index)))
    return found


@st.composite
def _mutated(draw: st.DrawFn, record: Any) -> Any:
    mutated = copy.deepcopy(record)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(mutated)
        if not paths:
            return draw(json_values)
        path = draw(st.sampled_from(paths))
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return mutated


def mutated_records(records: list[Any]) -> st.SearchStrategy[list[Any]]:
    """Lists of the given records, some of them broken in one to four places."""
    return st.lists(
        st.sampled_from(records).flatmap(lambda record: st.just(record) | _mutated(record)),
        max_size=5,
    )
