"""The OpenAPI document is self-contained: every `$ref` points into the document itself."""

from __future__ import annotations

from typing import Any

from app.main import create_app
from tests.conftest import make_settings


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_resolves() -> None:
    document = create_app(make_settings()).openapi()
    found = refs(document)

    assert len(found) > 20
    for ref in found:
        assert ref.startswith("#/components/"), ref
        assert isinstance(resolve(document, ref), dict), ref
