"""RentEngine auth (vendor 401s), account scoping on every list, and the bad-input table."""

from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.test_rentengine_support import mine, records, theirs, token, users

UNAUTHORIZED = {"error": "Unauthorized"}
# Every bare-array list and the filters it needs; envelopes are checked separately.
LISTS = [
    "/units",
    "/lockboxes",
    "/lockbox_events",
    "/lockbox_installations",
    "/prospects",
    "/leasing_events",
    "/multifamily_properties",
    "/floorplans",
    "/subteams",
    "/prescreening_templates",
]
JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-jwt",
        "Bearer " + jwt.encode({"sub": "x", "jti": "y"}, "another-signing-key", algorithm="HS256"),
        "Bearer " + jwt.encode({"sub": "x", "jti": "y"}, None, algorithm="none"),
        "Bearer " + "a" * 5000,
    ],
)
def test_bad_credentials_are_401(rentengine: Any, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = rentengine.get("/units", token=None, headers=headers)
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_revoked_token_is_401_for_good(app: Any, client: Any, rentengine: Any) -> None:
    issued = client.post("/_propmock/credentials", json={"api": "rentengine", "label": "temp"})
    assert issued.status_code == 201
    cred = issued.json()
    assert rentengine.get("/units?limit=1", token=cred["token"]).status_code == 200
    assert client.delete(f"/_propmock/credentials/{cred['token_id']}").status_code == 204
    for path in (
        "/units?limit=1",
        "/lockboxes",
        f"/units/{records(app, 'units', mine(app))[0]['id']}",
    ):
        response = rentengine.get(path, token=cred["token"])
        assert (response.status_code, response.json()) == (401, UNAUTHORIZED)
    response = rentengine.post("/units", token=cred["token"], json={"id": 1})
    assert (response.status_code, response.json()) == (401, UNAUTHORIZED)


def test_each_user_sees_only_their_accounts(app: Any, rentengine: Any) -> None:
    other = token(app, "demo-other-user")
    assert set(mine(app)) & {theirs(app)} == set()
    for path in LISTS:
        demo = rentengine.get(f"{path}?limit=100").json()
        them = rentengine.get(f"{path}?limit=100", token=other).json()
        demo_ids, their_ids = {r["id"] for r in demo}, {r["id"] for r in them}
        assert not demo_ids & their_ids, path
        kind = path.strip("/")
        assert (
            demo_ids == {r["id"] for r in records(app, kind, mine(app))[:100]} or len(demo) == 100
        ), path
        assert their_ids == {r["id"] for r in records(app, kind, [theirs(app)])[:100]}, path
    hidden = records(app, "units", [theirs(app)])[0]["id"]
    assert rentengine.get(f"/units/{hidden}", token=other).status_code == 200
    assert rentengine.get(f"/units/{hidden}").status_code == 404


def test_a_user_without_accounts_sees_nothing(client: Any, rentengine: Any) -> None:
    cred = client.post(
        "/_propmock/credentials", json={"api": "rentengine", "subject": "nobody"}
    ).json()
    for path in LISTS:
        assert rentengine.get(path, token=cred["token"]).json() == [], path


def test_access_follows_the_user_not_the_token(app: Any, rentengine: Any) -> None:
    """Tokens carry the user's permissions at request time: a new account shows up at once."""
    store = app.services.store
    user = users(app)["demo-other-user"]
    other = token(app, "demo-other-user")
    before = len(rentengine.get("/units?limit=100", token=other).json())
    store.put(
        "rentengine",
        "users",
        user["id"],
        {**user, "account_ids": [*user["account_ids"], mine(app)[0]]},
    )
    try:
        assert len(rentengine.get("/units?limit=100", token=other).json()) > before
    finally:
        store.put("rentengine", "users", user["id"], user)
    assert len(rentengine.get("/units?limit=100", token=other).json()) == before


def big_body() -> bytes:
    return b'{"status": "' + b"x" * (1 << 20) + b'"}'


BAD_INPUTS = [
    # (method, path, request kwargs, status, error message or None for "any")
    ("POST", "/units", {"content": b"{bad", "headers": JSON}, 400, "Invalid request parameters"),
    (
        "POST",
        "/units",
        {"content": b'{"status": "\xff"}', "headers": JSON},
        400,
        "Request body is not valid UTF-8 JSON",
    ),
    ("POST", "/units", {"content": b"[1, 2]", "headers": JSON}, 400, "Invalid request parameters"),
    ("POST", "/units", {"content": b"", "headers": JSON}, 400, "Invalid request parameters"),
    ("POST", "/units", {"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 415, None),
    (
        "POST",
        "/lockboxes",
        {"content": b"a=b", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
        415,
        None,
    ),
    ("POST", "/units", {"content": big_body(), "headers": JSON}, 413, "Request body too large"),
    ("GET", "/units?account_id=x", {}, 400, None),
    ("GET", "/prospects?offset=10", {}, 400, None),
    ("GET", "/units?limit=101", {}, 400, None),
    ("GET", "/units?limit=0", {}, 400, None),
    ("GET", "/units?page_number=-1", {}, 400, None),
    ("GET", "/units?limit=ten", {}, 400, None),
    ("GET", "/units?unitIds=1,abc", {}, 400, None),
    ("GET", "/lockbox_events?created_at_from=notadate", {}, 400, None),
    (
        "GET",
        "/reporting/leasing-performance/units/3301?start=2025-01-01&end=2025-02-01",
        {},
        400,
        None,
    ),
    ("GET", "/units/999999", {}, 404, "Unit 999999 not found"),
    (
        "GET",
        "/lockboxes/00000000-0000-4000-8000-000000000000",
        {},
        404,
        "Lockbox 00000000-0000-4000-8000-000000000000 not found",
    ),
    ("GET", "/no/such/route", {}, 404, None),
    ("GET", "/units/0", {}, 400, None),
    ("GET", "/units/-5", {}, 400, None),
    ("GET", "/units/99999999999999999999", {}, 400, None),
    ("GET", "/units/abc", {}, 404, None),
    ("GET", "/lockboxes/not-a-uuid", {}, 400, None),
    ("GET", "/lockboxes/' OR '1'='1", {}, 400, None),
    ("GET", "/prospects/1 OR 1=1", {}, 404, None),
    ("GET", "/units/..%2F..%2Fetc%2Fpasswd", {}, 404, None),
    ("GET", "/marketing/listings/%2e%2e%2f%2e%2e%2fetc%2fpasswd", {}, 404, None),
    ("GET", "/subteams/../../../etc/passwd", {}, 404, None),
]
EMPTY_RESULTS = [
    "/units?city=' OR 1=1 --",
    "/units?extracted_from=x'); DROP TABLE records;--",
    "/units?city=../../etc/passwd",
    "/units?extracted_from=%00%ff",
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "message"), BAD_INPUTS)
def test_bad_input_gets_the_vendor_4xx(
    rentengine: Any,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    message: str | None,
) -> None:
    response = rentengine.request(method, path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    assert set(body) <= {"error", "details"}
    if message is not None:
        assert body["error"] == message
    for detail in body.get("details", []):
        assert set(detail) == {"keyword", "dataPath", "schemaPath", "params", "message"}
    assert rentengine.get("/units?limit=1").status_code == 200  # still serving


@pytest.mark.parametrize("path", EMPTY_RESULTS)
def test_injection_strings_in_query_values_are_just_values(
    app: Any, rentengine: Any, path: str
) -> None:
    response = rentengine.get(path)
    assert (response.status_code, response.json()) == (200, [])
    assert len(records(app, "units")) > 0


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/units", "GET, HEAD, POST"),
        ("PUT", "/units/3301", "GET, HEAD"),
        ("PATCH", "/lockboxes", "GET, HEAD, POST"),
        ("GET", "/showings/create", "POST"),
        ("DELETE", "/lockboxes/generate_code", "POST"),
        ("OPTIONS", "/lockboxes/generate_code", "POST"),
        ("POST", "/reporting/marketing-sources", "GET, HEAD"),
    ],
)
def test_wrong_method_is_405_with_every_allowed_method(
    rentengine: Any, method: str, path: str, allow: str
) -> None:
    response = rentengine.request(method, path)
    assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
    assert response.headers["allow"] == allow
    assert rentengine.get("/units?limit=1").status_code == 200
