"""Default webhook bodies for triggers, from the specs' `x-webhooks` examples, plus overrides."""

from __future__ import annotations

import copy
import functools
import re
from datetime import UTC, datetime
from typing import Any

import yaml

from mock_server.settings import data_dir

RENTENGINE_TYPES = ("INSERT", "UPDATE", "DELETE")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def deep_merge(base: Any, overrides: Any) -> Any:
    """Dicts merge key by key (recursively); anything else in `overrides` replaces, None too."""
    if isinstance(base, dict) and isinstance(overrides, dict):
        merged = dict(base)
        for key, value in overrides.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(overrides)


@functools.lru_cache(maxsize=8)
def _load(api: str) -> dict[str, Any]:
    # libyaml's loader when present: ten times faster on these 5000-line specs.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = (data_dir("specs") / f"{api}.yaml").read_text()
    return yaml.load(text, Loader=loader)  # type: ignore[no-any-return]


def spec_for(api: str) -> dict[str, Any]:
    """The API's spec as written (read from disk once; never the copy Connexion was given)."""
    return _load(api)


def webhooks(spec: dict[str, Any]) -> dict[str, Any]:
    return spec.get("x-webhooks") or {}


def _media(spec: dict[str, Any], name: str) -> dict[str, Any]:
    post = webhooks(spec)[name]["post"]
    return post["requestBody"]["content"]["application/json"]  # type: ignore[no-any-return]


def request_schema(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The body schema of webhook `name` (may be a `$ref` into the spec's components)."""
    return _media(spec, name)["schema"]  # type: ignore[no-any-return]


def example(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The webhook's example body: `example`, else the first of `examples`, else the schema's."""
    media = _media(spec, name)
    if "example" in media:
        return copy.deepcopy(media["example"])  # type: ignore[no-any-return]
    for item in (media.get("examples") or {}).values():
        if isinstance(item, dict) and "value" in item:
            return copy.deepcopy(item["value"])  # type: ignore[no-any-return]
    schema = media.get("schema") or {}
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    found = schema.get("example")
    return copy.deepcopy(found) if isinstance(found, dict) else None


def rentengine_webhook_for(spec: dict[str, Any], table: str) -> str | None:
    """The `x-webhooks` entry whose example (or schema) is about `table`."""
    for name in webhooks(spec):
        body = example(spec, name) or {}
        if body.get("table") == table:
            return name
        schema = _resolve(spec, request_schema(spec, name))
        table_enum = ((schema.get("properties") or {}).get("table") or {}).get("enum") or []
        if table in table_enum:
            return name
    return None


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return schema


def _stamp(record: dict[str, Any], now: float) -> dict[str, Any]:
    """Top-level `*_at` date-times become the clock's now, so triggered events look fresh."""
    stamp = datetime.fromtimestamp(int(now), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        k: (stamp if k.endswith("_at") and isinstance(v, str) and _STAMP.match(v) else v)
        for k, v in record.items()
    }


def default_body(
    spec: dict[str, Any], api: str, event: str, now: float, organization_id: str | None = None
) -> dict[str, Any]:
    """The body a trigger emits before overrides: Aptoria's envelope without `delivered_at`,
    or RentEngine's whole `{type, table, schema, record, old_record}` payload."""
    if api == "aptoria":
        if event not in webhooks(spec):
            raise KeyError(f"unknown Aptoria event {event!r}; known: {', '.join(webhooks(spec))}")
        body = example(spec, event) or {"event": event, "payload": {}}
        body.pop("delivered_at", None)
        body["event"] = event
        if organization_id:
            body["organization_id"] = organization_id
        body["payload"] = _stamp(body.get("payload") or {}, now)
        return body
    table, _, op = event.rpartition(".")
    if op not in RENTENGINE_TYPES:
        raise KeyError(f"RentEngine events are <table>.<{'|'.join(RENTENGINE_TYPES)}>")
    name = rentengine_webhook_for(spec, table)
    if name is None:
        raise KeyError(f"no x-webhooks entry in the RentEngine spec for table {table!r}")
    sample = example(spec, name) or {}
    record = _stamp(sample.get("record") or sample.get("old_record") or {}, now)
    before = sample.get("old_record") or record
    return {
        "type": op,
        "table": table,
        "schema": sample.get("schema", "public"),
        "record": None if op == "DELETE" else record,
        "old_record": None if op == "INSERT" else (before if op == "UPDATE" else record),
    }
