"""Hand-built requests for the targeted checks: one operation, its spec examples, chosen headers."""

from __future__ import annotations

from typing import Any

import httpx

from contract_tests.specs import Operation, operations
from contract_tests.target import Target

NO_BODY = object()


def send(
    target: Target,
    op: Operation,
    headers: dict[str, str] | None = None,
    *,
    unknown_ids: bool = False,
    query: dict[str, Any] | None = None,
    body: Any = NO_BODY,
    method: str | None = None,
    content: bytes | None = None,
    path_values: dict[str, Any] | None = None,
    retry_429: bool = True,
) -> httpx.Response:
    """`op` with its example path ids, required query parameters and body (overridable)."""
    path, params, example = op.example_request(unknown_ids=unknown_ids, values=path_values)
    params.update(query or {})
    kw: dict[str, Any] = {"params": params, "headers": dict(headers or {})}
    if content is not None:
        kw["content"] = content
    else:
        payload = example if body is NO_BODY else body
        if payload is not None and (method or op.method) in ("POST", "PUT", "PATCH", "DELETE"):
            kw["json"] = payload
    return target.http.request(
        method or op.method, target.url(op.api, path), retry_429=retry_429, **kw
    )


def checked_operations(target: Target, api: str, *, protected: bool = True) -> list[Operation]:
    """The operations a targeted check may call: protected ones (or all), and on a real target
    without --allow-writes only reads (a broken target could act on a refused write)."""
    out = []
    for op in operations(api):
        if protected and not op.protected:
            continue
        if op.writes and not target.writes_allowed:
            continue
        out.append(op)
    return out
