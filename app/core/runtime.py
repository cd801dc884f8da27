"""Process-wide runtime settings of the long-running commands (`serve`, `worker`).

The garbage collector. CPython runs a young-generation collection every 700 allocations of
container objects and, from time to time, a full one over everything alive. A worker holds
its aggregators' state (many lists and records) and allocates continuously while it applies
events, so with the default thresholds it spends a tenth or more of its time traversing objects
that are not garbage (measured with bench/aggregate.py: see docs/performance.md). The state has
no reference cycles to speak of, so collecting less often costs little memory. What exists
once the process has started (modules, settings, the app) is frozen: never scanned again.
"""

from __future__ import annotations

import gc
from typing import Final

GC_THRESHOLDS: Final = (50_000, 20, 100)
"""Young generation every 50,000 container allocations (default 700); older generations at
the usual relative pace, a little slower."""


def tune_gc() -> None:
    """Collect what start-up left behind, freeze the survivors, raise the thresholds."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
