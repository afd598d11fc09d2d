"""Aptoria's documented quotas end to end on a running server, with the clock frozen."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator

import httpx
import pytest
import yaml

from mock_server.settings import Settings
from mock_server.testing import RunningServer, server_in_thread, server_process
from tests.test_specs import SPECS, operations, resolve

MESSAGE = "Rate limit exceeded \u2014 try again in {} seconds."


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with server_in_thread(Settings()) as running:
        yield running


def demo_key(root: str) -> str:
    apis = httpx.get(f"{root}/_propmock/apis").json()
    aptoria = next(a for a in apis if a["name"] == "aptoria")
    return str(next(c["token"] for c in aptoria["credentials"] if c["label"] == "demo"))


@pytest.fixture()
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """A client with a fresh key, the clock frozen at a known instant, counters reset."""
    root = server.root
    httpx.post(f"{root}/_propmock/rate-limits/reset", json={"config": True})
    httpx.post(f"{root}/_propmock/clock/freeze", json={"at": "2026-06-01T12:00:00Z"})
    key = httpx.post(f"{root}/_propmock/credentials", json={"api": "aptoria"}).json()["token"]
    with httpx.Client(base_url=root + "/aptoria", headers={"Authorization": f"Bearer {key}"}) as c:
        yield c
    httpx.post(f"{root}/_propmock/clock/unfreeze")


def advance(server: RunningServer, seconds: float) -> None:
    assert httpx.post(
        f"{server.root}/_propmock/clock/advance", json={"seconds": seconds}
    ).is_success


def assert_limited(response: httpx.Response, seconds: int) -> None:
    assert response.status_code == 429
    assert response.json() == {"error": MESSAGE.format(seconds)}
    assert response.headers["retry-after"] == str(seconds)
    assert response.headers["x-request-id"].startswith("req_")


def test_the_61st_request_in_a_minute_is_refused_until_retry_after(server, http):
    statuses = [http.get("/api/ar-aging").status_code for _ in range(60)]
    assert statuses == [200] * 60
    assert_limited(http.get("/api/ar-aging"), 60)
    advance(server, 59)
    assert_limited(http.get("/api/ar-aging"), 1)  # one second early: still refused
    advance(server, 1)
    assert http.get("/api/ar-aging").status_code == 200


def test_the_1001st_request_in_an_hour_is_refused_even_with_room_in_the_minute(server, http):
    sent = 0
    for _minute in range(17):
        batch = min(60, 1000 - sent)
        # A cheap read: what is measured is the quota, not the handler.
        assert [http.get("/api/vendors").status_code for _ in range(batch)] == [200] * batch
        sent += batch
        advance(server, 60)
    assert sent == 1000
    # 17 minutes have passed and this minute is empty, but the hour holds 1,000 requests.
    refused = http.get("/api/vendors")
    assert_limited(refused, 3600 - 17 * 60)
    advance(server, 3600 - 17 * 60)
    assert http.get("/api/vendors").status_code == 200


def test_the_ai_quota_holds_separately(server, http):
    for _ in range(10):
        assert http.post("/api/ai-delinquency-prioritizer", json={}).status_code == 200
    assert_limited(http.post("/api/ai-delinquency-prioritizer", json={}), 3600)
    assert http.get("/api/ar-aging").status_code == 200  # the general quota still has room
    advance(server, 3600)
    assert http.post("/api/ai-delinquency-prioritizer", json={}).status_code == 200


def test_keys_have_separate_quotas(server, http):
    for _ in range(60):
        http.get("/api/ar-aging")
    assert http.get("/api/ar-aging").status_code == 429
    other = httpx.post(f"{server.root}/_propmock/credentials", json={"api": "aptoria"}).json()
    fresh = httpx.get(
        f"{server.root}/aptoria/api/ar-aging", headers={"Authorization": f"Bearer {other['token']}"}
    )
    assert fresh.status_code == 200


def test_unknown_keys_get_401_and_spend_no_quota(server, http):
    for _ in range(61):
        r = httpx.get(
            f"{server.root}/aptoria/api/ar-aging",
            headers={"Authorization": "Bearer apt_00000000_nope"},
        )
        assert r.status_code == 401
    assert http.get("/api/ar-aging").status_code == 200


def _count_successes(root: str, key: str, total: int) -> int:
    headers = {"Authorization": f"Bearer {key}"}

    def one(_: int) -> int:
        return httpx.get(f"{root}/aptoria/api/ar-aging", headers=headers, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(one, range(total)))
    assert set(statuses) <= {200, 429}
    return statuses.count(200)


@pytest.mark.parametrize("workers", [1, 2])
def test_workers_share_one_quota(tmp_path, workers):
    state = str(tmp_path / "state.sqlite")
    with server_process("--workers", str(workers), "--state", state, timeout=60) as (srv, _):
        root = srv.root
        httpx.post(f"{root}/_propmock/clock/freeze", json={"at": "2026-06-01T12:00:00Z"})
        assert _count_successes(root, demo_key(root), 200) == 60


def test_every_limited_operation_documents_429_with_retry_after():
    spec = yaml.safe_load((SPECS / "aptoria.yaml").read_text())
    for path, method, op, _ in operations(spec):
        response = resolve(spec, op["responses"]["429"])
        assert "Retry-After" in response["headers"], f"{method} {path}"
