"""RentEngine's observed quota end to end: 429 with Retry-After and X-Ratelimit-Limit."""

from __future__ import annotations

import httpx
import yaml

from mock_server.settings import Settings
from mock_server.testing import server_in_thread
from tests.test_specs import SPECS, operations, resolve


def test_the_31st_request_in_the_window_is_refused():
    with server_in_thread(Settings()) as server:
        root = server.root
        httpx.post(f"{root}/_propmock/clock/freeze", json={"at": "2026-06-01T12:00:00Z"})
        cred = httpx.post(f"{root}/_propmock/credentials", json={"api": "rentengine"}).json()
        with httpx.Client(
            base_url=server.url("rentengine"), headers={"Authorization": f"Bearer {cred['token']}"}
        ) as c:
            first = [c.get("/units", params={"limit": 1}) for _ in range(30)]
            assert [r.status_code for r in first] == [200] * 30
            assert {r.headers["x-ratelimit-limit"] for r in first} == {"30"}
            refused = c.get("/units")
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "60"
            assert refused.headers["x-ratelimit-limit"] == "30"
            assert refused.json() == {"error": "Too many requests; retry after 60 seconds."}
            httpx.post(f"{root}/_propmock/clock/advance", json={"seconds": 60})
            assert c.get("/units").status_code == 200
            # Changed at run time through the control API:
            httpx.patch(f"{root}/_propmock/rate-limits", json={"rentengine": {"enabled": False}})
            assert all(c.get("/units").status_code == 200 for _ in range(40))


def test_every_operation_documents_429_with_its_headers():
    spec = yaml.safe_load((SPECS / "rentengine.yaml").read_text())
    for path, method, op, _ in operations(spec):
        headers = resolve(spec, op["responses"]["429"])["headers"]
        assert {"Retry-After", "X-Ratelimit-Limit"} <= set(headers), f"{method} {path}"
