"""Alert channel secrets sealed at rest: which settings of a channel are secret, sealed and
opened with the process's one SecretBox (app/core/sealing.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.alerts.channels import SECRET_FIELDS
from app.core.sealing import SecretBox


def seal_config(box: SecretBox, config: dict[str, Any]) -> dict[str, Any]:
    return _map_secrets(config, box.seal)


def open_config(box: SecretBox, config: dict[str, Any]) -> dict[str, Any]:
    return _map_secrets(config, box.open)


def reseal_config(box: SecretBox, config: dict[str, Any]) -> dict[str, Any]:
    return _map_secrets(config, box.reseal)


def config_needs_sealing(box: SecretBox, config: dict[str, Any]) -> bool:
    fields = (config.get(f) for f in SECRET_FIELDS[config["kind"]])
    return any(isinstance(v, str) and v and box.needs_sealing(v) for v in fields)


def _map_secrets(config: dict[str, Any], change: Callable[[str], str]) -> dict[str, Any]:
    out = dict(config)
    for field in SECRET_FIELDS[config["kind"]]:
        value = out.get(field)
        if isinstance(value, str) and value:
            out[field] = change(value)
    return out
