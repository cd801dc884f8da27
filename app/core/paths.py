"""Where the files that ship beside the `app` package live: alembic.ini, migrations/ and the
built wall display (frontend/dist).

In a source checkout (`make setup`) they sit next to app/. An installed wheel (the Docker
image) has no checkout around it, so `FLOORWATCH_ROOT` names the folder that holds them. It is
read here rather than in Settings because migrations run before (and without) a Settings.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    configured = os.environ.get("FLOORWATCH_ROOT")
    return Path(configured) if configured else Path(__file__).resolve().parents[2]
