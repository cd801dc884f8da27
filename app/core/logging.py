"""Structured logging with structlog: key-value lines in development, JSON in production.

Lines logged with the standard library (uvicorn, SQLAlchemy, asyncio, libraries) go through the
same processors and renderer, so with `log_json` every line of the process is one JSON object
with `timestamp`, `level`, `event` and whatever is bound in the context (the `request_id` of
the request being served, app/ops/requests.py).

Every line passes `redact_secrets` last before it is rendered: credentials (`fw_`, `fwu_`,
`fws_` tokens), the values of credential headers and `token`/`password` fields are replaced by
`[redacted]`. Floorwatch's own code never logs them; this guards what libraries log at DEBUG
(the WebSocket library logs every handshake header and every frame, the `auth` message too).
Caller numbers are personal data and go the same way: the value of a `number` or `caller`
field (a call-back topic's frame to a supervisor carries numbers whole) is redacted too.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

HANDLER_NAME = "floorwatch"
REDACTED = "[redacted]"
SECRET_PATTERNS = (
    (re.compile(r"\b(fw[us]?_)[A-Za-z0-9_-]{8,}"), rf"\1{REDACTED}"),
    (
        re.compile(
            r"(?i)\b(authorization|proxy-authorization|cookie|set-cookie|x-csrf-token|"
            r"x-twilio-signature|x-floorwatch-signature|x-hubspot-signature-v3)"
            r"(\s*[:=]\s*)[^\r\n]*"
        ),
        rf"\1\2{REDACTED}",
    ),
    (
        re.compile(
            r"(?i)([\"']?\b(?:token|password|secret|csrf_token|client_secret)[\"']?\s*[:=]\s*)"
            r"(\"[^\"]*\"|'[^']*'|[^\s&,}'\"]+)"
        ),
        rf"\1{REDACTED}",
    ),
    (
        re.compile(
            r"(?i)([\"']?\b(?:number|caller)[\"']?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s&,}'\"]+)"
        ),
        rf"\1{REDACTED}",
    ),
)


def redact(text: str) -> str:
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_secrets(_: Any, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """structlog processor: `redact` every string of the event."""
    return {key: redact(value) if isinstance(value, str) else value for key, value in event.items()}


BOUND_VALUE_LOGGERS = ("aiosqlite",)
"""Libraries that log every statement with its bound values at DEBUG: what a row holds (a
sealed-at-rest secret stored plain when no key is set, personal data) must not reach the log,
so they stay at INFO whatever the level."""


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, redact_secrets, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in BOUND_VALUE_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
