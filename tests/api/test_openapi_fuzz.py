"""Schemathesis against the OpenAPI schema of the running app: every operation, called with
real credentials, answers no server error (5xx) whatever it is sent.

The app is a real `floorwatch serve` process on a loopback port, on each engine (memory on
SQLite, redis on PostgreSQL). The schemathesis CLI runs its phases (schema examples, boundary
values, random fuzzing, stateful sequences that feed ids from one answer into the next call) with
a fixed budget and seed, so `make test` is repeatable and bounded; set
`FLOORWATCH_FUZZ_EXAMPLES` (per operation) and `FLOORWATCH_FUZZ_SEED` for a deeper or another
run. Hooks (tests/api/schemathesis_hooks.py) pick the credential per operation, keep the
fuzzer's own credentials alive, and point alert channels at loopback.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from tests.api.live_server import provision, serve, server_env

pytestmark = pytest.mark.slow

EXAMPLES = os.environ.get("FLOORWATCH_FUZZ_EXAMPLES", "3")
SEED = os.environ.get("FLOORWATCH_FUZZ_SEED", "20261128")
TIMEOUT_S = 900
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
NOWHERE = "http://127.0.0.1:9"
"""A closed loopback port: what every outbound HTTP request of the server goes to (proxy)."""
HUBSPOT_SECRET = "fuzz-hubspot-client-secret"
"""The fuzzer's tenant's HubSpot client secret: the hooks sign the webhook calls with it."""


def test_no_operation_answers_a_server_error(engine_settings: Settings, tmp_path: Path) -> None:
    credentials = asyncio.run(provision(engine_settings.database_url, padding=20))
    env = server_env(
        engine_settings.database_url,
        engine=engine_settings.engine.value,
        redis_url=engine_settings.redis_url,
        redis_prefix=engine_settings.redis_prefix,
        partitions="4",
    )
    env.update(HTTP_PROXY=NOWHERE, HTTPS_PROXY=NOWHERE, ALL_PROXY=NOWHERE, NO_PROXY="")
    with serve(env, tmp_path / "server.log") as server:
        secret_set = httpx.put(
            f"{server.base_url}/v1/integrations/crm/hubspot/settings",
            json={"client_secret": HUBSPOT_SECRET},
            headers=credentials.bearer(credentials.admin_token),
            timeout=10,
        )
        assert secret_set.status_code == 200, secret_set.text
        fuzz_env = {
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
            "FUZZ_INGEST_KEY": credentials.ingest_key,
            "FUZZ_ADMIN_TOKEN": credentials.admin_token,
            "FUZZ_OWN_TOKEN_IDS": str(credentials.token_id),
            "FUZZ_OWN_KEY_IDS": ",".join(map(str, credentials.key_ids)),
            "FUZZ_OWN_USER_IDS": str(credentials.user_id),
            "FUZZ_TENANT_ID": str(credentials.tenant_id),
            "FUZZ_HUBSPOT_SECRET": HUBSPOT_SECRET,
        }
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{server.base_url}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                EXAMPLES,
                "--seed",
                SEED,
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--no-color",
                "--generation-database",
                "none",
            ],
            env=fuzz_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        me = httpx.get(
            f"{server.base_url}/v1/auth/me",
            headers=credentials.bearer(credentials.admin_token),
            timeout=10,
        )
        server_log = server.log()
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, f"{report}\n--- server log ---\n{server_log[-4000:]}"
    selected = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert selected is not None, report
    assert tested is not None, report
    assert int(tested[1]) == int(selected[2]) > 50, "every operation is tested"
    assert "Authentication failed" not in run.stdout, f"operations only refused:\n{report}"
    assert me.status_code == 200, "the fuzzer's credential was revoked during the run"
    assert "Traceback" not in server_log, server_log[-4000:]
