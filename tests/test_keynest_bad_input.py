"""KeyNest bad input, table-driven: each case gets its 4xx in the vendor's error body, then the
server still answers a normal request."""

from __future__ import annotations

from typing import Any

import pytest

JSON = {"Content-Type": "application/json"}
P0, T0, F0 = "p_0000000000000000", "t_0000000000000000", "f_0000000000000000"
SQL = "' OR '1'='1' --"
TRAVERSAL = "..%2F..%2F..%2Fetc%2Fpasswd"

BAD, UNSUPPORTED, NOT_FOUND = "bad_request", "unsupported_media_type", "not_found"
TK0, PAY0 = "tk_" + "0" * 16, "pay_" + "0" * 16
HUGE = b'{"name": "' + b"x" * (1 << 20) + b'"}'  # just over the 1 MiB limit
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TEXT = {"Content-Type": "text/plain"}
NO_TOKEN: dict[str, Any] = {"token": None}


def raw(content: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {"content": content, "headers": JSON if headers is None else headers}


def case(name: str, method: str, path: str, kw: dict[str, Any], status: int, code: str) -> Any:
    """One row: `path` is relative to /keynest/v1."""
    return pytest.param(method, path, kw, status, code, id=name)


CASES = [
    case("malformed-json", "POST", "/properties", raw(b'{"name": '), 400, BAD),
    case("non-utf8-json", "POST", "/properties", raw(b'{"name": "\xff\xfe"}'), 400, BAD),
    case("json-not-an-object", "POST", "/properties", raw(b"[1, 2]"), 400, BAD),
    case("json-null", "PATCH", f"/properties/{P0}", raw(b"null"), 400, BAD),
    case("deeply-nested-json", "POST", "/tickets", raw(b"[" * 100_000), 400, BAD),
    case("empty-body", "POST", "/tenants", raw(b""), 400, BAD),
    case("wrong-type", "POST", "/properties", {"json": {"name": "x", "units": "six"}}, 400, BAD),
    case("unknown-field", "POST", "/tickets", {"json": {"title": "t", "x": 1}}, 400, BAD),
    case("empty-patch", "PATCH", f"/properties/{P0}", {"json": {}}, 400, BAD),
    case("bad-date", "PATCH", f"/tenants/{T0}", {"json": {"leaseEnd": "2026-02-30"}}, 400, BAD),
    case("form-encoded", "POST", "/properties", raw(b"name=x", FORM), 415, UNSUPPORTED),
    case("text-plain", "PATCH", f"/tickets/{TK0}", raw(b"{}", TEXT), 415, UNSUPPORTED),
    case("no-content-type", "POST", "/properties", raw(b'{"name": "x"}', {}), 415, UNSUPPORTED),
    case("oversized-body", "POST", "/properties", raw(HUGE), 413, "payload_too_large"),
    case("unknown-query", "GET", "/properties", {"params": {"page": "2"}}, 400, BAD),
    case("misspelt-filter", "GET", "/tenants", {"params": {"propertyID": P0}}, 400, BAD),
    case("bad-enum-filter", "GET", "/payments", {"params": {"status": "paid"}}, 400, BAD),
    case("bad-period", "GET", "/payments", {"params": {"period": "2026-13"}}, 400, BAD),
    case("sql-in-query", "GET", "/tenants", {"params": {"propertyId": SQL}}, 400, BAD),
    case("sql-in-period", "GET", "/payments", {"params": {"period": "2026-05' --"}}, 400, BAD),
    case("sql-in-path", "GET", "/properties/p_1'%20OR%20'1'%3D'1", {}, 400, BAD),
    case("sql-in-form-type", "POST", "/forms/N4'--", {"json": {"tenantId": T0}}, 400, BAD),
    case("unknown-property", "GET", f"/properties/{P0}", {}, 404, NOT_FOUND),
    case("unknown-tenant", "PATCH", f"/tenants/{T0}", {"json": {"rent": 1}}, 404, NOT_FOUND),
    case(
        "unknown-payment",
        "PATCH",
        f"/payments/{PAY0}",
        {"json": {"status": "Paid"}},
        404,
        NOT_FOUND,
    ),
    case(
        "unknown-ticket", "PATCH", f"/tickets/{TK0}", {"json": {"status": "Open"}}, 404, NOT_FOUND
    ),
    case("unknown-form", "GET", f"/forms/{F0}", {}, 404, NOT_FOUND),
    case("unknown-form-pdf", "GET", f"/forms/{F0}/pdf", NO_TOKEN, 404, NOT_FOUND),
    case("unknown-route", "GET", "/leases", {}, 404, NOT_FOUND),
    case("unknown-sub-route", "GET", f"/properties/{P0}/units", {}, 404, NOT_FOUND),
    case("numeric-id", "GET", "/properties/123", {}, 400, BAD),
    case("negative-id", "GET", "/properties/-1", {}, 400, BAD),
    case("wrong-prefix-id", "PATCH", f"/tenants/{P0}", {"json": {"rent": 1}}, 400, BAD),
    case("short-id", "GET", "/forms/f_abc", {}, 400, BAD),
    case("huge-id", "GET", "/properties/p_" + "9" * 5000, {}, 400, BAD),
    case("nul-in-id", "GET", f"/properties/{P0}%00", {}, 400, BAD),
    case("unicode-id", "GET", "/properties/p_" + "%C3%A9" * 16, {}, 400, BAD),
    case("dot-dot-pdf-id", "GET", "/forms/%2e%2e/pdf", NO_TOKEN, 400, BAD),
    case("traversal-pdf-path", "GET", f"/forms/{TRAVERSAL}/pdf", NO_TOKEN, 404, NOT_FOUND),
    case("traversal-after-prefix", "GET", f"/forms/f_{TRAVERSAL}/pdf", NO_TOKEN, 404, NOT_FOUND),
    case("backslash-traversal", "GET", "/forms/f_..%5C..%5Cwin.ini", {}, 400, BAD),
]

# path -> every method the spec allows there (HEAD comes with GET)
ALLOWED = {
    "/auth/session": {"POST", "DELETE"},
    "/properties": {"GET", "HEAD", "POST"},
    f"/properties/{P0}": {"GET", "HEAD", "PATCH", "DELETE"},
    "/tenants": {"GET", "HEAD", "POST"},
    f"/tenants/{T0}": {"PATCH"},
    f"/payments/{PAY0}": {"PATCH"},
    f"/tickets/{TK0}": {"PATCH"},
    "/payments": {"GET", "HEAD", "POST"},
    "/tickets": {"GET", "HEAD", "POST"},
    "/forms/N4": {"GET", "HEAD", "POST"},
    f"/forms/{F0}/pdf": {"GET", "HEAD"},
}


def error_of(r: Any) -> dict[str, Any]:
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), CASES)
def test_bad_input_gets_the_vendor_4xx_and_the_server_keeps_serving(
    keynest, method, path, kwargs, status, code
):
    r = keynest.request(method, path, **kwargs)
    assert (r.status_code, error_of(r)["code"]) == (status, code), r.text[:300]
    assert r.headers["content-type"] == "application/json"
    assert keynest.get("/properties").status_code == 200


@pytest.mark.parametrize("path", list(ALLOWED))
def test_wrong_method_is_405_with_every_allowed_method(keynest, path):
    for method in {"GET", "POST", "PUT", "PATCH", "DELETE"} - ALLOWED[path]:
        r = keynest.request(method, path, json={})
        assert r.status_code == 405, (method, path)
        assert error_of(r)["code"] == "method_not_allowed"
        assert set(r.headers["allow"].split(", ")) == ALLOWED[path]
    assert keynest.get("/properties").status_code == 200
