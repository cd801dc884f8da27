"""The test environment is exactly uv.lock (`make setup` installs it with `uv sync --frozen`).

A release that pyproject.toml's ranges allow but the lock does not pin must never reach a
machine: these tests fail when the venv holds a package or version the lock does not name, or
misses one it does."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".tools" / "bin" / "uv"


def uv(*args: str) -> subprocess.CompletedProcess[str]:
    if not UV.exists():
        if IN_CI:
            pytest.fail(f"{UV} is missing under CI: `make setup` installs it")
        pytest.skip(f"{UV} is missing: this venv was not made by `make setup`")
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": sys.prefix, "UV_PYTHON_DOWNLOADS": "never"}
    return subprocess.run(
        [str(UV), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def locked_for_this_machine() -> dict[str, str]:
    """name -> version of every package uv.lock installs here with the `dev` extra."""
    exported = uv("export", "--frozen", "--extra", "dev", "--no-hashes", "--no-emit-project")
    assert exported.returncode == 0, exported.stderr
    pins: dict[str, str] = {}
    for line in exported.stdout.splitlines():
        if not line or line.startswith((" ", "#")):
            continue
        requirement, _, marker = line.partition(";")
        name, _, version = requirement.strip().partition("==")
        if marker.strip() and not Marker(marker.strip()).evaluate():
            continue
        pins[canonicalize_name(name)] = version
    return pins


def installed() -> dict[str, str]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
        if canonicalize_name(dist.metadata["Name"]) != "floorwatch"
    }


def test_the_venv_holds_exactly_the_lock() -> None:
    locked = locked_for_this_machine()
    assert len(locked) > 50
    have = installed()
    assert {name: version for name, version in have.items() if locked.get(name) != version} == {}
    assert sorted(set(locked) - set(have)) == []


def test_uv_agrees_the_venv_is_in_sync() -> None:
    checked = uv("sync", "--frozen", "--extra", "dev", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
