"""Auth: bad credentials get the documented status and body on every protected operation."""

# Auth: missing, malformed, wrong-scheme, revoked and under-scoped credentials, on every
# protected operation, each get the documented status and the vendor's error body.

from __future__ import annotations

import base64
from typing import Any

import pytest

from contract_tests.calls import checked_operations, send
from contract_tests.conformance import SELF_REVOKING
from contract_tests.findings import Findings
from contract_tests.options import APIS, TOKEN_ENV
from contract_tests.shapes import body_of, error_problems
from contract_tests.specs import Operation
from contract_tests.target import Target

VARIANTS = ("missing", "malformed", "wrong-scheme", "revoked", "under-scoped")
CASES = [pytest.param(api, v, id=f"{api}-{v}") for api in APIS for v in VARIANTS]
# The documented 403 message (Aptoria's API description, "Scopes").
APTORIA_403 = "This API key lacks the scope {} required by this endpoint."


def malformed(token: str, i: int) -> str:
    forms = [
        "Bearer",
        "Bearer null",
        "Bearer %%not-a-token%%",
        f"Bearer {token[:-3]}",
        f"Bearer {token}{token}",
    ]
    return forms[i % len(forms)]


def wrong_scheme(token: str, i: int) -> str:
    basic = base64.b64encode(f"{token}:".encode()).decode()
    return [f"Token {token}", f"Basic {basic}", token][i % 3]


def limited_credential(contract: Target, api: str) -> tuple[str, list[str], str | None]:
    """(token, scopes it holds, role it has) of a credential narrower than the suite's."""
    info = contract.apis[api]
    if api == "rentengine":
        pytest.skip("RentEngine tokens carry all their user's permissions (documented): no scopes")
    if contract.is_mock:
        role = "tenant" if api == "keynest" else None
        claims: dict[str, Any] = {"role": role} if role else {"scopes": []}
        fresh = contract.fresh_token(api, **claims)
        return str(fresh["token"]), [], role
    if not info.limited_token:
        pytest.skip(
            f"needs a second, narrower credential: --limited-token or {TOKEN_ENV[api]}_LIMITED"
        )
    return info.limited_token, info.limited_scopes, info.limited_role


def revoked_credential(contract: Target, api: str) -> str:
    if contract.is_mock:
        fresh = contract.fresh_token(api)
        assert contract.control is not None
        contract.control.revoke(fresh["token_id"])
        return str(fresh["token"])
    token = contract.apis[api].revoked_token
    if not token:
        pytest.skip(f"needs a revoked credential: --revoked-token or {TOKEN_ENV[api]}_REVOKED")
    return token


def expected_refusal(
    api: str, op: Operation, variant: str, scopes: list[str], role: str | None
) -> int | None:
    """The documented status, or None when this credential may call `op`."""
    if variant != "under-scoped":
        return 401
    if api == "aptoria":
        return None if op.scope is None or op.scope in scopes else 403
    return None if not op.roles or role in op.roles else 403


@pytest.mark.contract(check="auth")
@pytest.mark.parametrize(("api", "variant"), CASES)
def test_auth(api: str, variant: str, contract: Target, findings: Findings) -> None:
    # Wrong schemes and malformed headers carry (a mangled) real credential: on the mock a
    # throwaway one, so a target that wrongly accepts it cannot touch the suite's own.
    token = (
        str(contract.fresh_token(api)["token"])
        if contract.is_mock
        else (contract.apis[api].token or "")
    )
    scopes: list[str] = []
    role: str | None = None
    bad = ""
    if variant == "revoked":
        bad = revoked_credential(contract, api)
    elif variant == "under-scoped":
        bad, scopes, role = limited_credential(contract, api)
    checked = 0
    for i, op in enumerate(checked_operations(contract, api)):
        if not contract.is_mock and (api, op.operation_id) in SELF_REVOKING:
            continue
        want = expected_refusal(api, op, variant, scopes, role)
        if want is None:
            continue
        headers = (
            {}
            if variant == "missing"
            else {
                "Authorization": (
                    malformed(token, i)
                    if variant == "malformed"
                    else wrong_scheme(token, i)
                    if variant == "wrong-scheme"
                    else f"Bearer {bad}"
                )
            }
        )
        response = send(contract, op, headers)
        checked += 1
        where = op.label
        if not findings.expect(
            response.status_code == want,
            where,
            f"expected {want}, got {response.status_code}",
            response,
        ):
            continue
        for problem in error_problems(api, response, op):
            findings.add(where, problem, response)
        body = body_of(response)
        if api == "rentengine" and isinstance(body, dict):
            findings.expect(
                body.get("error") == "Unauthorized",
                where,
                f"RentEngine's 401 says {{'error': 'Unauthorized'}}, got {body}",
                response,
            )
        if api == "aptoria" and want == 403 and isinstance(body, dict):
            message = APTORIA_403.format(op.scope)
            findings.expect(
                body.get("error") == message,
                where,
                f"expected the documented {message!r}, got {body.get('error')!r}",
                response,
            )
    if checked == 0:
        pytest.skip("no operation to check with this credential")
    findings.done()
