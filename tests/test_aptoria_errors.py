"""Aptoria errors: 401 for bad keys, 403 for missing scopes, and a table of bad inputs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mock_server.state.seed import demo_credentials
from tests.conftest import make_app
from tests.test_aptoria_reads import T0

GOOD_TENANT = "t_01HNDY0YP57RCYBVN5SXS5AA81"  # well-formed, not seeded
EXPENSE = {
    "action": "add_entry",
    "property_id": "0" * 24,
    "category_id": "repairs",
    "label": "x",
    "amount_usd": 1,
    "paid_on": "2026-05-01",
}


@pytest.fixture(scope="module")
def app() -> Any:
    app = make_app()
    app.services.clock.freeze(T0.timestamp())
    return app


@pytest.fixture(scope="module")
def keys(app: Any) -> dict[str, str]:
    demo = next(c for c in app.services.auth.list("aptoria") if c["label"] == "demo")
    issue = app.services.auth.issue
    revoked = issue("aptoria", demo["subject"], {"scopes": demo["scopes"]}, "to-revoke")
    app.services.auth.revoke(revoked["token_id"])
    tokens = {
        c["label"]: c["token"] for c in demo_credentials(app.services) if c["api"] == "aptoria"
    }
    return {
        "readonly": tokens["demo-readonly"],
        "revoked": revoked["token"],
        "noscope": issue("aptoria", demo["subject"], {"scopes": []}, "none")["token"],
        "wrong_secret": tokens["demo"][:-1] + ("A" if tokens["demo"][-1] != "A" else "B"),
        "unknown_id": "apt_deadbeef_" + "x" * 32,
    }


@pytest.mark.parametrize(
    "token",
    [
        "missing",
        "empty",
        "malformed",
        "basic",
        "wrong_secret",
        "unknown_id",
        "revoked",
        "rentengine_jwt",
    ],
)
def test_bad_keys_are_401_in_the_vendor_body(aptoria, keys, token):
    headers = {
        "missing": {},
        "empty": {"Authorization": "Bearer "},
        "malformed": {"Authorization": "Bearer not-an-aptoria-key"},
        "basic": {"Authorization": "Basic YWxhZGRpbjpvcGVuc2VzYW1l"},
        "rentengine_jwt": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"},
    }.get(token, {"Authorization": f"Bearer {keys.get(token, '')}"})
    for method, path in (("GET", "/api/dashboard"), ("POST", "/api/expenses")):
        resp = aptoria.request(method, path, token=None, headers=headers, json=EXPENSE)
        assert resp.status_code == 401, (token, resp.text)
        assert set(resp.json()) == {"error"} and resp.json()["error"]
        assert resp.headers["x-request-id"].startswith("req_")


def test_a_key_without_the_scope_is_403_naming_it(aptoria, keys):
    assert aptoria.get("/api/rent-payments", token=keys["readonly"]).status_code == 200
    denied = aptoria.post("/api/expenses", token=keys["readonly"], json=EXPENSE)
    assert denied.status_code == 403
    assert denied.json() == {
        "error": "This API key lacks the scope write:expenses required by this endpoint."
    }
    for path, scope in (("/api/dashboard", "read:dashboard"), ("/api/vendors", "read:vendors")):
        resp = aptoria.get(path, token=keys["noscope"])
        assert resp.status_code == 403 and scope in resp.json()["error"]
    ai = aptoria.post("/api/ai-delinquency-prioritizer", token=keys["readonly"], json={})
    assert ai.status_code == 403 and "use:ai" in ai.json()["error"]


HUGE = b'{"label": "' + b"x" * (1024 * 1024 + 10) + b'"}'
JSON = {"Content-Type": "application/json"}
# (case, method, path, request kwargs, status)
BAD_INPUTS = [
    ("malformed JSON", "POST", "/api/expenses", {"content": b'{"label":', "headers": JSON}, 400),
    (
        "non-UTF-8 JSON",
        "POST",
        "/api/expenses",
        {"content": b'{"label": "\xff\xfe"}', "headers": JSON},
        400,
    ),
    ("JSON array body", "POST", "/api/expenses", {"json": [EXPENSE]}, 400),
    (
        "missing field",
        "POST",
        "/api/expenses",
        {"json": {k: v for k, v in EXPENSE.items() if k != "label"}},
        400,
    ),
    ("unknown body field", "POST", "/api/expenses", {"json": {**EXPENSE, "admin": True}}, 400),
    ("wrong action", "POST", "/api/expenses", {"json": {**EXPENSE, "action": "delete"}}, 400),
    (
        "impossible date",
        "POST",
        "/api/expenses",
        {"json": {**EXPENSE, "paid_on": "2026-02-30"}},
        400,
    ),
    (
        "deep nesting",
        "POST",
        "/api/expenses",
        {"content": b"[" * 50_000 + b"]" * 50_000, "headers": JSON},
        400,
    ),
    (
        "wrong content type",
        "POST",
        "/api/expenses",
        {"content": json.dumps(EXPENSE).encode(), "headers": {"Content-Type": "text/plain"}},
        415,
    ),
    (
        "form body",
        "POST",
        "/api/tenants",
        {
            "content": b"first_name=a",
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        415,
    ),
    ("oversized body", "POST", "/api/expenses", {"content": HUGE, "headers": JSON}, 413),
    ("unknown query parameter", "GET", "/api/properties", {"params": {"foo": "1"}}, 400),
    ("limit 0", "GET", "/api/tenants", {"params": {"limit": 0}}, 400),
    ("limit 101", "GET", "/api/tenants", {"params": {"limit": 101}}, 400),
    ("negative offset", "GET", "/api/tenants", {"params": {"offset": -1}}, 400),
    ("non-numeric limit", "GET", "/api/tenants", {"params": {"limit": "ten"}}, 400),
    ("bad enum", "GET", "/api/work-orders", {"params": {"status": "done"}}, 400),
    (
        "impossible date filter",
        "GET",
        "/api/expenses",
        {"params": {"paid_on_to": "2026-13-01"}},
        400,
    ),
    ("unknown id", "GET", f"/api/tenants/{GOOD_TENANT}", {}, 404),
    ("unknown id in body", "POST", "/api/leases/l_01HBGJ09TQM83XSSSS6YS3C4DW/sign", {}, 404),
    ("unknown route", "GET", "/api/nope", {}, 404),
    ("wrong id style", "GET", "/api/tenants/123", {}, 400),
    ("id with I (not Crockford)", "GET", "/api/tenants/t_01HNDY0YP57RCYBVN5SXS5AAII", {}, 400),
    ("upper-case hex id", "GET", "/api/units/5F624A8940F1F836F99EEE36", {}, 400),
    ("absurdly long id", "GET", "/api/leases/l_" + "0" * 5000, {}, 400),
    ("SQL in id", "GET", "/api/properties/' OR 1=1 --", {}, 400),
    (
        "SQL in query",
        "GET",
        "/api/work-orders",
        {"params": {"unit_id": "'; DROP TABLE records;--"}},
        400,
    ),
    (
        "SQL in body",
        "POST",
        "/api/ai-vendor-summary",
        {"json": {"vendor_id": "v_' OR '1'='1"}},
        400,
    ),
    ("path traversal in id", "GET", "/api/tenants/..%2F..%2Fetc%2Fpasswd", {}, 404),
    (
        "path traversal in query",
        "GET",
        "/api/ar-aging",
        {"params": {"property_id": "../../etc/passwd"}},
        400,
    ),
    ("NUL in query", "GET", "/api/ar-aging", {"params": {"property_id": "\x00"}}, 400),
]


@pytest.mark.parametrize(
    "case,method,path,kwargs,status", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS]
)
def test_bad_input_gets_the_vendor_4xx_and_the_server_keeps_serving(
    aptoria, case, method, path, kwargs, status
):
    resp = aptoria.request(method, path, **kwargs)
    assert resp.status_code == status, resp.text
    assert set(resp.json()) == {"error"} and isinstance(resp.json()["error"], str)
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["x-request-id"].startswith("req_")
    assert aptoria.get("/api/properties").status_code == 200


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("PUT", "/api/expenses", "GET, HEAD, POST"),
        ("DELETE", "/api/work-orders/wo_01H26W14WMCHWYFGCW8T7SWM4F", "GET, HEAD, PATCH"),
        ("PATCH", "/api/tenants/t_01HNDY0YP57RCYBVN5SXS5AA81", "GET, HEAD, DELETE"),
        ("GET", "/api/leases/l_01HBGJ09TQM83XSSSS6YS3C4DW/sign", "POST"),
        ("POST", "/api/dashboard", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_every_allowed_method(aptoria, method, path, allowed):
    resp = aptoria.request(method, path, json={})
    assert resp.status_code == 405
    assert resp.headers["allow"] == allowed
    assert resp.json() == {"error": "Method not allowed"}
    assert aptoria.get("/api/properties").status_code == 200
