"""Each vendor's error body, checked against the spec (documented schema) and the vendor's shape."""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema

from contract_tests.specs import Operation, resolve, spec

# KeyNest's one code per status, as its spec's error responses state them (inferred shape).
KEYNEST_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def body_of(response: Any) -> Any:
    try:
        return json.loads(response.content or b"")
    except ValueError:
        return None


def _content_type(response: Any) -> str:
    value = response.headers.get("content-type", "")
    text = str(value[0] if isinstance(value, list) else value)
    return text.split(";")[0].strip().lower()


def vendor_shape_problems(api: str, status: int, body: Any) -> list[str]:
    """Why `body` is not the vendor's error body for `status` (empty: it is)."""
    if api == "keynest":
        err = body.get("error") if isinstance(body, dict) else None
        if not (
            isinstance(err, dict)
            and set(err) == {"code", "message"}
            and isinstance(err["message"], str)
            and err["message"]
        ):
            return [f"not KeyNest's {{error: {{code, message}}}}: {_short(body)}"]
        want = KEYNEST_CODES.get(status)
        if want and err["code"] != want:
            return [f"KeyNest code {err['code']!r} for a {status} (documented: {want!r})"]
        return []
    if not (isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]):
        return [f'not {api}\'s {{"error": "..."}}: {_short(body)}']
    if api == "rentengine":
        extra = set(body) - {"error", "details"}
        if extra or not isinstance(body.get("details", []), list):
            return [f"RentEngine errors carry only error and details: {_short(body)}"]
    return []


def error_problems(api: str, response: Any, operation: Operation | None = None) -> list[str]:
    """The vendor shape, a JSON content type, and the documented schema for this status."""
    status = response.status_code
    if _content_type(response) != "application/json":
        return [f"{status} with Content-Type {_content_type(response)!r}, not application/json"]
    body = body_of(response)
    problems = vendor_shape_problems(api, status, body)
    documented = operation.response(status) if operation else None
    if documented and not problems:
        problems += schema_problems(api, documented, body)
    return problems


def schema_problems(api: str, response_spec: dict[str, Any], body: Any) -> list[str]:
    media = response_spec.get("content", {}).get("application/json")
    if not media or "schema" not in media:
        return []
    schema = {"components": _components(api), **_nullable(_as_ref(api, media["schema"]))}
    validator = jsonschema.Draft4Validator(schema)
    return [f"body breaks the documented schema: {e.message}" for e in validator.iter_errors(body)]


@functools.cache
def _components(api: str) -> Any:
    return _nullable(spec(api).get("components", {}))


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's `nullable: true` as JSON Schema: null joins the type (and the enum)."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out or "allOf" in out or "oneOf" in out or "anyOf" in out:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _as_ref(api: str, schema: dict[str, Any]) -> dict[str, Any]:
    # Keep the $ref so it resolves against `components` in the wrapper; inline schemas as is.
    return {"$ref": schema["$ref"]} if "$ref" in schema else dict(resolve(api, schema))


def _short(body: Any) -> str:
    text = json.dumps(body) if body is not None else "(not JSON)"
    return text if len(text) <= 200 else text[:200] + "..."
