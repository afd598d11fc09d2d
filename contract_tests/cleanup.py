"""Real targets with --allow-writes: label what the suite creates, delete it afterwards."""

# Real targets with --allow-writes: label what the suite creates, and delete it afterwards
# where the API has a DELETE for it (best effort; what cannot be deleted is listed).

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from contract_tests.specs import operations, resolve

TAG = f"propmock-contract-{uuid.uuid4().hex[:8]}"
LABEL_FIELDS = ("name", "title", "label", "description", "notes", "last_name")


def _body_schema(api: str, method: str, path: str) -> dict[str, Any]:
    op = next((o for o in operations(api) if o.method == method and o.path == path), None)
    body = resolve(api, op.raw.get("requestBody")) if op else None
    media = (body or {}).get("content", {}).get("application/json", {})
    schema = resolve(api, media.get("schema") or {})
    return schema if isinstance(schema, dict) else {}


def label(api: str, case: Any) -> None:
    """Put the run's tag in the generated body's free-text fields, where the schema allows it."""
    if not isinstance(case.body, dict):
        return
    props = _body_schema(api, case.method.upper(), case.operation.path).get("properties", {})
    for name in LABEL_FIELDS:
        schema = resolve(api, props.get(name) or {})
        free = (
            schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema)
        ) and int(schema.get("maxLength", 1000)) >= len(TAG) >= int(schema.get("minLength", 0))
        if name in case.body and free:
            case.body[name] = TAG


@dataclass
class Created:
    """Records the suite created on a real target, and the DELETE that removes each."""

    items: list[tuple[str, str, str]] = field(default_factory=list)  # api, delete path, id

    def note(self, api: str, path: str, response: Any) -> None:
        if response.status_code != 201:
            return
        try:
            record = json.loads(response.content or b"null")
        except ValueError:
            return
        ident = record.get("id") if isinstance(record, dict) else None
        delete = next(
            (
                o
                for o in operations(api)
                if o.method == "DELETE"
                and o.path.startswith(path.rstrip("/") + "/{")
                and o.path.count("/") == path.rstrip("/").count("/") + 1
            ),
            None,
        )
        if ident is not None:
            self.items.append((api, delete.path if delete else "", str(ident)))

    def remove(self, target: Any) -> list[str]:
        """Delete what can be deleted; return what is left behind."""
        left = []
        for api, path, ident in self.items:
            if not path:
                left.append(f"{api} {ident} (no DELETE operation)")
                continue
            url = target.url(api, path[: path.index("{")] + ident)
            try:
                response = target.http.client.delete(url, headers=target.auth(api))
            except Exception as exc:  # cleanup must not hide the run's result
                left.append(f"{api} {ident} ({exc})")
                continue
            if response.status_code >= 300 and response.status_code != 404:
                left.append(f"{api} {ident} (DELETE answered {response.status_code})")
        return left
