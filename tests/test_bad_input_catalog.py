"""Bad input on a running server: each gets the vendor's 4xx and error body, and the server
keeps serving. One table for the three APIs and the webhooks control API."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mock_server.settings import SHARED_BASES, Settings
from mock_server.testing import RunningServer, server_in_thread

# A representative list, a read by id and a create per API (the per-API test files cover
# every operation; this table covers every kind of bad input on all three).
OPS = {
    "rentengine": {"list": "/units", "read": "/units/{}", "create": "/units"},
    "aptoria": {"list": "/api/ar-aging", "read": "/api/work-orders/{}", "create": "/api/expenses"},
    "keynest": {"list": "/properties", "read": "/properties/{}", "create": "/properties"},
}
JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 10_000 + b"]" * 10_000
BAD_IDS = [
    "0",
    "-1",
    "9" * 400,
    "abc",
    "%00",
    "%F0%9F%92%A9",
    "1%27%20OR%20%271%27%3D%271",
    "1;DROP%20TABLE%20records",
    "..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2f",
    "{id}",
]
BAD_QUERIES = [
    {"bogus": "1"},
    {"limit": "1' OR '1'='1"},
    {"page_number": "../../etc/passwd"},
    {"limit": "-5"},
    {"limit": "99999999999999999999"},
]


def vendor_shaped(api: str, body: Any) -> bool:
    if api == "keynest":
        return set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    if api == "rentengine":
        return isinstance(body.get("error"), str) and set(body) <= {"error", "details"}
    return isinstance(body.get("error"), str) and set(body) == {"error"}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with server_in_thread(
        Settings(rate_limits={"rentengine": {"enabled": False}, "aptoria": {"enabled": False}})
    ) as running:
        yield running


@pytest.fixture(scope="module")
def tokens(server: RunningServer) -> dict[str, str]:
    apis = httpx.get(f"{server.root}/_propmock/apis").json()
    return {
        a["name"]: next(c["token"] for c in a["credentials"] if c["label"] == "demo") for a in apis
    }


def call(
    server: RunningServer, tokens: dict[str, str], api: str, method: str, path: str, **kw: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {tokens[api]}", **kw.pop("headers", {})}
    url = server.root + SHARED_BASES[api] + path
    return httpx.request(method, url, headers=headers, timeout=30, **kw)


def assert_vendor_4xx(api: str, response: httpx.Response, statuses: set[int]) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:200])
    assert vendor_shaped(api, response.json()), response.text[:200]


def assert_still_serving(server: RunningServer, tokens: dict[str, str], api: str) -> None:
    assert call(server, tokens, api, "GET", OPS[api]["list"]).status_code == 200


BODY_CASES: list[tuple[str, dict[str, Any], set[int]]] = [
    ("malformed JSON", {"content": b'{"a": ', "headers": JSON}, {400}),
    ("non-UTF-8 JSON", {"content": b'{"a": "\xff\xfe"}', "headers": JSON}, {400}),
    ("JSON nested 10,000 deep", {"content": DEEP, "headers": JSON}, {400}),
    ("10 MB body", {"content": b'{"a": "' + b"x" * 10_000_000 + b'"}', "headers": JSON}, {413}),
    ("wrong content type", {"content": b"a=1", "headers": {"Content-Type": "text/plain"}}, {415}),
    ("no content type", {"content": b'{"a": 1}'}, {415}),
    ("JSON array instead of object", {"content": b"[1, 2]", "headers": JSON}, {400}),
]


@pytest.mark.parametrize("api", list(OPS))
@pytest.mark.parametrize("case", BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_bad_bodies(server, tokens, api, case):
    _, kwargs, statuses = case
    response = call(server, tokens, api, "POST", OPS[api]["create"], **kwargs)
    assert_vendor_4xx(api, response, statuses)
    assert_still_serving(server, tokens, api)


@pytest.mark.parametrize("api", list(OPS))
@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_invalid_absurd_and_hostile_ids(server, tokens, api, bad_id):
    response = call(server, tokens, api, "GET", OPS[api]["read"].format(bad_id))
    assert_vendor_4xx(api, response, {400, 404})
    assert_still_serving(server, tokens, api)


@pytest.mark.parametrize("api", list(OPS))
@pytest.mark.parametrize("query", BAD_QUERIES, ids=lambda q: json.dumps(q))
def test_hostile_query_strings(server, tokens, api, query):
    response = call(server, tokens, api, "GET", OPS[api]["list"], params=query)
    assert_vendor_4xx(api, response, {400})
    assert_still_serving(server, tokens, api)


def _raw_get(server: RunningServer, target: str, token: str) -> tuple[int, bytes]:
    host, port = server.root.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}"
            "\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize("api", list(OPS))
@pytest.mark.parametrize("size", [60_000, 100_000])
def test_a_100_kb_query_string(server, tokens, api, size):
    target = SHARED_BASES[api] + OPS[api]["list"] + "?q=" + "a" * size
    status, body = _raw_get(server, target, tokens[api])
    assert status == 400
    assert vendor_shaped(api, json.loads(body))
    assert_still_serving(server, tokens, api)


@pytest.mark.parametrize(
    "path",
    [
        "/forms/..%2F..%2F..%2Fetc%2Fpasswd/pdf",
        "/forms/f_0000000000000000/pdf",
        "/forms/%2e%2e/pdf",
        "/forms/f_..%2F..%2Fsecret/pdf",
        "/forms/..%5C..%5Cwin.ini/pdf",
    ],
)
def test_path_traversal_in_the_pdf_download(server, tokens, path):
    response = call(server, tokens, "keynest", "GET", path)
    assert_vendor_4xx("keynest", response, {400, 404})
    assert b"root:" not in response.content


INJECTIONS: list[tuple[str, dict[str, Any]]] = [
    ("CRLF in the URL", {"api": "aptoria", "url": "http://127.0.0.1:9/x\r\nX-Injected: 1"}),
    ("LF in the URL", {"api": "aptoria", "url": "http://127.0.0.1:9/x\nX-Injected: 1"}),
    ("space in the URL", {"api": "aptoria", "url": "http://127.0.0.1:9/x HTTP/1.1"}),
    (
        "CRLF in the name",
        {"api": "aptoria", "url": "http://127.0.0.1:9/x", "description": "hook\r\nX-Injected: 1"},
    ),
    (
        "CRLF in the secret",
        {"api": "aptoria", "url": "http://127.0.0.1:9/x", "secret": "whsec\r\nX-Injected: 1"},
    ),
    (
        "CRLF in the API key",
        {"api": "rentengine", "url": "http://127.0.0.1:9/x", "api_key": "k\r\nX-Injected: 1"},
    ),
    (
        "colon in the API key header",
        {"api": "rentengine", "url": "http://127.0.0.1:9/x", "api_key_header": "X-Key: injected"},
    ),
    ("not http(s)", {"api": "aptoria", "url": "file:///etc/passwd"}),
]


@pytest.mark.parametrize("case", INJECTIONS, ids=[c[0] for c in INJECTIONS])
def test_header_injection_in_webhook_endpoints(server, case):
    response = httpx.post(f"{server.root}/_propmock/webhooks/endpoints", json=case[1])
    assert response.status_code == 400
    assert isinstance(response.json()["error"], str)
    listed = httpx.get(f"{server.root}/_propmock/webhooks/endpoints").json()
    assert all("X-Injected" not in json.dumps(e) for e in listed)


def test_sql_in_a_valid_field_is_stored_as_text(server, tokens):
    name = "x'); DROP TABLE records; --"
    created = call(server, tokens, "keynest", "POST", "/properties", json={"name": name})
    assert created.status_code == 201
    read = call(server, tokens, "keynest", "GET", f"/properties/{created.json()['id']}")
    assert read.json()["name"] == name
    assert_still_serving(server, tokens, "keynest")


def test_the_server_answers_after_the_whole_catalog(server, tokens):
    for api in OPS:
        assert_still_serving(server, tokens, api)
