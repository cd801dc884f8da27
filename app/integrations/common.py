"""Types and helpers shared by the adapters that turn real telephony formats into canonical events.

An adapter never raises on bad input: every line it cannot use is either *skipped* (a record that
is well formed but carries nothing for Floorwatch, counted by reason) or an *error* (a malformed
record, reported with its line number). Event ids are derived from the source record only, so
sending the same file twice yields the same ids and the ingest layer drops the repeats.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Final

import msgspec

from app.events.schemas import AnyEvent, event_type

ID_DIGEST_BYTES: Final = 10
MAX_WRAPUP_SECONDS: Final = 86_400
"""The longest wrap-up time an adapter places (platforms that log no end of wrap-up)."""
LIVE_MAX_WRAPUP_SECONDS: Final = 300
"""The longest over HTTP: the end of wrap-up is sent when the call ends, stamped this far in the
future, and ingest refuses events more than 5 minutes ahead."""


@dataclass(frozen=True, slots=True)
class LineError:
    """A source line that could not be turned into events, and why."""

    line_no: int
    reason: str


@dataclass(slots=True)
class ParseResult:
    """The outcome of parsing a batch of source lines.

    `skipped` counts well-formed records that produce no event, by reason (for example
    `PHANTOM` or `RINGNOANSWER`); `errors` lists malformed records with their line numbers.
    """

    events: list[AnyEvent] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    _ids: set[str] = field(default_factory=set, repr=False, compare=False)

    def add(self, line_no: int, event: AnyEvent, *, duplicate_reason: str = "duplicate") -> None:
        """Keep `event` if the ingest API would accept it and its id is new in this result.

        An event that breaks a schema limit becomes an error on `line_no`; a repeated id is
        counted under `duplicate_reason`.
        """
        try:
            event = validated(event)
        except msgspec.ValidationError as exc:
            self.error(line_no, f"{event_type(event)} would be rejected: {exc}")
            return
        if event.id in self._ids:
            self.skip(duplicate_reason)
            return
        self._ids.add(event.id)
        self.events.append(event)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def error(self, line_no: int, reason: str) -> None:
        self.errors.append(LineError(line_no, reason))

    def extend(self, other: ParseResult) -> None:
        """Append another batch's result (for callers that parse a stream batch by batch).

        Events whose id this result already holds are counted as `duplicate` and dropped.
        """
        for event in other.events:
            if event.id in self._ids:
                self.skip("duplicate")
            else:
                self._ids.add(event.id)
                self.events.append(event)
        self.errors.extend(other.errors)
        self.skipped.update(other.skipped)


def digest_id(namespace: str, *parts: str) -> str:
    """A short event id that is a pure function of `parts` (the identity of a source record).

    `namespace` keeps ids from different adapters apart; the parts are joined with a separator
    that cannot occur in a text line, so ("a|b", "c") and ("a", "b|c") give different ids.
    """
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=ID_DIGEST_BYTES)
    return f"{namespace}:{digest.hexdigest()}"


def validated(event: AnyEvent) -> AnyEvent:
    """Check an event built in Python against the schema constraints the ingest API applies.

    msgspec validates lengths and ranges only when decoding, not when a Struct is constructed,
    so adapters round-trip each event to be sure the server will accept it (converting to the
    event's own class: twenty times faster than to the whole union, same checks).
    Raises `msgspec.ValidationError` with the offending field.
    """
    checked: AnyEvent = msgspec.convert(msgspec.to_builtins(event), type(event))
    return checked


def truncate(value: str, limit: int) -> str:
    """Clip free text (agent names, pause reasons) to the schema's length limit."""
    return value if len(value) <= limit else value[:limit]


def text_lines(body: bytes, encoding: str = "utf-8") -> list[str]:
    """Split on `\n` only (`str.splitlines` would also split inside caller names holding
    `\x1c` or `\u2028`, and line numbers would drift); `\r\n` ends are accepted."""
    lines = body.decode(encoding, errors="replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


class WrapupChoiceError(ValueError):
    """Both ways of ending wrap-up were asked for; the message says so."""


def wrapup_after(wrapup_seconds: int, wrapup_by_queue: bool) -> int | None:
    """What an adapter of a platform that logs no end of wrap-up is told: place it this many
    seconds after the call, or (None) send none and leave it to the queues' wrap-up limits.
    Raises WrapupChoiceError when both are given."""
    if wrapup_by_queue and wrapup_seconds:
        raise WrapupChoiceError("give either the wrap-up seconds or wrap-up by queue, not both")
    return None if wrapup_by_queue else wrapup_seconds


def wrapup_ms(wrapup_seconds: int | None) -> int | None:
    """The wrap-up an adapter places after each call, in ms (clipped to 0..MAX_WRAPUP_SECONDS);
    None: it places none."""
    if wrapup_seconds is None:
        return None
    return max(0, min(wrapup_seconds, MAX_WRAPUP_SECONDS)) * 1000
