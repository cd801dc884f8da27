"""The formulas of one family of metrics compiled into one function.

A windowed metric's formula is a Python expression over the window sums (app/registry/sums.py,
by field name) and the metrics declared before it in its family (`average_deal` is
`ratio(revenue, deals)`). Asking every metric of every scope and window is the hot part of a
snapshot, so the formulas are not called one by one: the family's formulas become the body of
a single generated function that unpacks the sums once, assigns each metric in order and returns
the dict, which is as fast as the hand-written function it replaced. The formulas are our own
constant strings; a formula that is not a valid expression, or names something unknown, fails
at import time (and in tests/registry/).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.registry.specs import MetricSpec, Value


def compile_family(
    specs: Sequence[MetricSpec], fields: Sequence[str], helpers: Mapping[str, Any]
) -> Callable[[Sequence[int]], dict[str, Value]]:
    known = set(fields) | set(helpers)
    lines = ["def compute(sums):", f"    ({', '.join(fields)},) = sums"]
    for spec in specs:
        if spec.formula is None:
            raise ValueError(f"{spec.name}: a windowed metric needs a formula")
        tree = ast.parse(spec.formula, mode="eval")
        unknown = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)} - known
        if unknown:
            raise ValueError(f"{spec.name}: its formula names {sorted(unknown)}")
        lines.append(f"    {spec.name} = {spec.formula}")
        known.add(spec.name)
    lines.append("    return {" + ", ".join(f"{s.name!r}: {s.name}" for s in specs) + "}")
    namespace: dict[str, Any] = dict(helpers)
    exec(compile("\n".join(lines), f"<metrics {specs[0].family}>", "exec"), namespace)
    compute: Callable[[Sequence[int]], dict[str, Value]] = namespace["compute"]
    return compute
