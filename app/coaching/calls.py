"""The calls a coaching note links, with their phrase hits.

The engine keeps only the latest phrase hits (app/streams/aggregator/phrases.py). When a note
is saved, the hits of its linked calls are copied into it (without text), added to what it had
for calls it still links, so that the note keeps showing them later. The segment's text is
never copied: it is added when the note is read, from the engine's latest hits, for staff only
and only while the tenant keeps it (docs/phrases.md, Personal data)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from app.auth.principal import Principal
from app.auth.roles import STAFF_ROLES
from app.coaching.schemas import LinkedCall, LinkedHit
from app.streams.aggregator.phrases import HitRecord

HitKey = tuple[str, int, str, str, str]


def hit_key(call_id: str, at: int, list_name: str, phrase: str, role: str) -> HitKey:
    return (call_id, at, list_name, phrase, role)


def linked_hits(
    stored: Sequence[dict[str, Any]], engine: Sequence[HitRecord], call_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The hits to keep with a note linking `call_ids`: those it kept of these calls, and the
    engine's hits of these calls it did not have yet, oldest first."""
    wanted = set(call_ids)
    kept = [h for h in stored if h["call_id"] in wanted]
    seen = {hit_key(h["call_id"], h["at"], h["list"], h["phrase"], h["role"]) for h in kept}
    for hit in engine:
        key = hit_key(hit.call_id, hit.at, hit.list, hit.phrase, hit.role)
        if hit.call_id in wanted and key not in seen:
            seen.add(key)
            kept.append(
                {
                    "call_id": hit.call_id,
                    "at": hit.at,
                    "list": hit.list,
                    "kind": hit.kind,
                    "phrase": hit.phrase,
                    "role": hit.role,
                }
            )
    return sorted(kept, key=lambda h: (h["at"], h["call_id"]))


def may_read_text(principal: Principal) -> bool:
    """Admins, supervisors and team leads (the note is theirs to see already)."""
    return principal.is_admin or principal.role in STAFF_ROLES


def linked_calls(
    call_ids: Sequence[str],
    stored: Sequence[dict[str, Any]],
    engine: Sequence[HitRecord],
    with_text: bool,
) -> list[LinkedCall]:
    texts: dict[HitKey, str] = {}
    if with_text:
        texts = {
            hit_key(h.call_id, h.at, h.list, h.phrase, h.role): h.text
            for h in engine
            if h.text is not None
        }
    by_call: dict[str, list[LinkedHit]] = {call_id: [] for call_id in call_ids}
    for h in stored:
        hits = by_call.get(h["call_id"])
        if hits is None:
            continue
        key = hit_key(h["call_id"], h["at"], h["list"], h["phrase"], h["role"])
        hits.append(
            LinkedHit.model_validate(
                {
                    "at": datetime.fromtimestamp(h["at"] / 1000, UTC),
                    "list": h["list"],
                    "kind": h["kind"],
                    "phrase": h["phrase"],
                    "role": h["role"],
                    "text": texts.get(key),
                }
            )
        )
    return [LinkedCall(call_id=call_id, hits=hits) for call_id, hits in by_call.items()]
