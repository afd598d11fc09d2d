"""Error shapes: every 4xx the suite can provoke, on every operation, has the vendor's body."""

# 401/403 bodies are the auth check's and 429 bodies the rate-limit check's; this check provokes
# the rest: unknown query parameters and bad bodies (400), unknown ids (404), undocumented methods
# (405), oversized bodies (413) and non-JSON bodies (415).

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.calls import checked_operations, send
from contract_tests.findings import Findings
from contract_tests.options import APIS
from contract_tests.shapes import error_problems
from contract_tests.specs import METHODS, Operation, operations, resolve, spec
from contract_tests.target import Target

KINDS = ("400-query", "400-body", "404", "405", "413", "415")
CASES = [pytest.param(api, kind, id=f"{api}-{kind}") for api in APIS for kind in KINDS]
WRITE_KINDS = {"400-body", "405", "413", "415"}
TOO_LARGE = 1_200_000  # bytes: over the mock's 1 MiB default


def has_body(op: Operation) -> bool:
    body = resolve(op.api, op.raw.get("requestBody"))
    return bool(body) and "application/json" in body.get("content", {})


def has_id(op: Operation) -> bool:
    """A path parameter that names a record (not an enum such as KeyNest's form type)."""
    return any(
        p["in"] == "path" and "enum" not in resolve(op.api, p.get("schema", {}))
        for p in op.parameters()
    )


def provoke(contract: Target, op: Operation, kind: str) -> tuple[int, Any] | None:
    """(expected status, response), or None when `kind` does not apply to `op`."""
    auth = contract.auth(op.api) if op.protected else {}
    if kind == "400-query":
        return 400, send(contract, op, auth, query={"propmock_unknown": "1"})
    if kind == "400-body" and has_body(op):
        return 400, send(contract, op, auth, body=["not", "an", "object"])
    if kind == "404" and has_id(op) and op.response(404) is not None:
        return 404, send(contract, op, auth, unknown_ids=True)
    if kind == "413" and has_body(op) and op.response(413) is not None:
        blob = b'{"propmock": "' + b"x" * TOO_LARGE + b'"}'
        return 413, send(contract, op, {**auth, "Content-Type": "application/json"}, content=blob)
    if kind == "415" and has_body(op) and op.response(415) is not None:
        return 415, send(contract, op, {**auth, "Content-Type": "text/plain"}, content=b"a=1")
    return None


def undocumented_methods(api: str) -> list[tuple[Operation, str]]:
    """One (operation, method) per path: a method the path does not document."""
    out = []
    for path, item in spec(api)["paths"].items():
        missing = [m.upper() for m in ("put", "patch", "delete", "post") if m not in item]
        first = next((op for op in operations(api) if op.path == path), None)
        if missing and first is not None and any(m in item for m in METHODS):
            out.append((first, missing[0]))
    return out


@pytest.mark.contract(check="error-shapes")
@pytest.mark.parametrize(("api", "kind"), CASES)
def test_error_shape(api: str, kind: str, contract: Target, findings: Findings) -> None:
    if kind in WRITE_KINDS and not contract.writes_allowed:
        pytest.skip("sends request bodies or undocumented methods (pass --allow-writes)")
    if kind == "413" and not contract.is_mock:
        pytest.skip("the vendors document no body-size limit; the mock's is 1 MiB")
    attempts: list[tuple[Operation, int, Any]] = []
    if kind == "405":
        for op, method in undocumented_methods(api):
            auth = contract.auth(api) if op.protected else {}
            attempts.append((op, 405, send(contract, op, auth, method=method, body=None)))
    else:
        for op in checked_operations(contract, api, protected=False):
            outcome = provoke(contract, op, kind)
            if outcome is not None:
                attempts.append((op, *outcome))
    if not attempts:
        pytest.skip(f"no {api} operation can be provoked into a {kind}")
    for op, want, response in attempts:
        where = f"{response.request.method} {op.path}"
        if findings.expect(
            response.status_code == want,
            where,
            f"expected {want}, got {response.status_code}",
            response,
        ):
            documented = op if response.request.method == op.method else None
            for problem in error_problems(api, response, documented):
                findings.add(where, problem, response)
    findings.done()
