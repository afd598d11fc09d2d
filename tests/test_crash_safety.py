"""SIGKILL during concurrent writes with --state: every acknowledged write survives the restart,
and a revoked credential stays revoked."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx

from mock_server.testing import server_process


def _demo(root: str, api: str, label: str = "demo") -> str:
    apis = httpx.get(f"{root}/_propmock/apis").json()
    creds = next(a for a in apis if a["name"] == api)["credentials"]
    return str(next(c["token"] for c in creds if c["label"] == label))


def _writer(base: str, token: str, stop: threading.Event, acked: list[str], n: int) -> None:
    """Create properties until stopped; remember the ids the server acknowledged (201)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = client.post("/properties", json={"name": f"Crash {n}-{i}", "units": 1})
            except httpx.TransportError:
                return  # the server is gone: this write was never acknowledged
            if r.status_code == 201:
                acked.append(r.json()["id"])


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    state = str(tmp_path / "state.sqlite")
    acked: list[str] = []
    with server_process("--api", "keynest", "--state", state, timeout=60) as (srv, proc):
        token = _demo(srv.root, "keynest")
        revoked = httpx.post(
            f"{srv.root}/_propmock/credentials", json={"api": "keynest", "role": "landlord"}
        ).json()
        httpx.delete(f"{srv.root}/_propmock/credentials/{revoked['token_id']}")
        stop = threading.Event()
        threads = [
            threading.Thread(target=_writer, args=(srv.root + "/v1", token, stop, acked, n))
            for n in range(6)
        ]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 20
        while len(acked) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # mid-write: requests are in flight
        proc.wait(10)
        stop.set()
        for t in threads:
            t.join(10)
    assert len(acked) >= 60, "too few writes were acknowledged before the kill"

    with server_process("--api", "keynest", "--state", state, timeout=60) as (srv, _):
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=srv.root + "/v1", headers=headers, timeout=10) as client:
            missing = [i for i in acked if client.get(f"/properties/{i}").status_code != 200]
            listed = {p["id"] for p in client.get("/properties").json()}
            assert (
                client.get(
                    "/properties", headers={"Authorization": f"Bearer {revoked['token']}"}
                ).status_code
                == 401
            )
    assert missing == []
    assert set(acked) <= listed
